/**
 * A hub with an LLM gateway pointed at a fake upstream, for the `/v1` tests.
 *
 * @module
 */
import { join } from "node:path";
import type { Hub } from "../../../src/supervisor/mod.ts";
import type { ApiKeyLimits } from "../../../src/storage/mod.ts";
import { type FakeOpenAi, startFakeOpenAi } from "../../helpers/fake_openai.ts";
import { withHub } from "../../helpers/hub.ts";

/** What an LLM test gets. */
export interface LlmTestContext {
  hub: Hub;
  fake: FakeOpenAi;
  /** The hub's `/v1` base URL. */
  baseURL: string;
  adminKey: string;
  logs: string[];
  /** Creates a key (scope `llm` unless given) and returns its secret and id. */
  key(options?: { scopes?: string[]; limits?: ApiKeyLimits }): Promise<{ key: string; id: string }>;
  /** Every usage record, once at least `count` requests have left one (flushes first). */
  usage(count?: number): Promise<Array<Record<string, unknown>>>;
}

/**
 * The gateway part of the config file; `$FAKE` in a baseURL becomes the
 * fake's URL, `$FAKE_<behaviour>` its {@linkcode FakeOpenAi.urlFor} URL.
 */
export interface LlmTestConfig {
  providers?: Array<Record<string, unknown>>;
  aliases?: Record<string, string>;
  poolSize?: number;
  timeoutMs?: number;
  cooldownMs?: number;
}

/** The default catalog: provider `local` serving `fake-1` and the failure models, alias `fast`. */
export const DEFAULT_LLM_CONFIG: LlmTestConfig = {
  providers: [{
    name: "local",
    baseURL: "$FAKE",
    apiKey: "sk-upstream",
    models: [
      "fake-1",
      "fake-429",
      "fake-500",
      "fake-slow",
      "fake-midfail",
      "fake-cut",
      "fake-hang",
      "fake-404empty",
      "fake-400text",
    ],
  }],
  aliases: { fast: "local/fake-1" },
};

/** Runs `fn` against a hub whose gateway uses a fresh fake upstream. */
export async function withLlmHub(
  fn: (ctx: LlmTestContext) => Promise<void>,
  config: LlmTestConfig = DEFAULT_LLM_CONFIG,
  options: { redisUrl?: string; slowMs?: number } = {},
): Promise<void> {
  const fake = startFakeOpenAi({ slowMs: options.slowMs });
  const configDir = await Deno.makeTempDir({ prefix: "hub_llm_config_" });
  const configPath = join(configDir, "hub.json");
  const llm = JSON.parse(
    JSON.stringify(config)
      .replace(/\$FAKE_([a-z0-9]+)/g, (_, behaviour) => fake.urlFor(behaviour))
      .replaceAll("$FAKE", fake.url),
  );
  await Deno.writeTextFile(configPath, JSON.stringify({ llm }));
  try {
    await withHub(async (hub, ctx) => {
      const baseURL = `${hub.url}/v1`;
      await fn({
        hub,
        fake,
        baseURL,
        adminKey: ctx.adminKey,
        logs: ctx.logs,
        async key(keyOptions = {}) {
          const created = await hub.keys.create({
            name: "llm-test",
            scopes: keyOptions.scopes ?? ["llm"],
            limits: keyOptions.limits,
          }, { via: "cli" });
          return { key: created.key, id: created.record.id };
        },
        async usage(count = 0) {
          await hub.llm.usage.whenRecorded(count);
          await hub.llm.usage.flush();
          const { llmUsage } = await import("../../../src/storage/mod.ts");
          const rows = await hub.storage.database.db.select().from(llmUsage);
          return rows.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime()) as Array<
            Record<string, unknown>
          >;
        },
      });
    }, { config: configPath, redisUrl: options.redisUrl });
  } finally {
    await fake.close();
    await Deno.remove(configDir, { recursive: true });
  }
}
