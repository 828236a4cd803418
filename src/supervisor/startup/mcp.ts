import type { PubSub } from "@alkdev/pubsub";
import { KEY_REVOKED } from "../../auth/mod.ts";
import { logger } from "../../logging/mod.ts";
import { VERSION } from "../../version.ts";
import type { HubEvents } from "../events.ts";
import { createMcpEndpoint, type McpEndpoint } from "../http/mcp/mod.ts";
import type { KeyLeases } from "../keys/key_leases.ts";
import type { OperationsCore } from "../operations/mod.ts";

/** The MCP endpoint and its link to key revocations. */
export interface McpParts {
  readonly endpoint: McpEndpoint;
  /** Stops serving; running calls get up to `graceMs` to finish before the sessions close. */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** Creates `/mcp` over the hub's operations; a revoked key's sessions close at once. */
export function startMcp(
  core: OperationsCore,
  options: { pubsub: PubSub<HubEvents>; leases?: KeyLeases },
): McpParts {
  const { pubsub } = options;
  const endpoint = createMcpEndpoint({
    registry: core.registry,
    caller: core.caller,
    serverInfo: { name: "alk hub", version: VERSION },
    leases: options.leases,
  });
  const log = logger("mcp");
  const revocations = pubsub.subscribe(KEY_REVOKED);
  (async () => {
    for await (const event of revocations) {
      // Anything on the bus may publish this topic: check the payload, never throw.
      const keyId = (event.payload as { keyId?: unknown } | null)?.keyId;
      if (typeof keyId !== "string") continue;
      await endpoint.closeKeySessions(keyId).catch((error) =>
        log.warn("Cannot close the MCP sessions of a revoked key: {error}", { error })
      );
    }
  })().catch((error) => log.error("MCP revocation listener stopped: {error}", { error }));
  return {
    endpoint,
    async close(options) {
      await revocations.return();
      await endpoint.close(options);
    },
  };
}
