/**
 * The model catalog: which deployments (provider + upstream model) serve a
 * name a client may send — `provider/model`, an alias, or a model name only
 * one provider serves — and which names a key may use.
 *
 * @module
 */

/** One upstream model at one provider. */
export interface Deployment {
  /** `provider/model`. */
  readonly id: string;
  readonly provider: string;
  /** The model name the upstream knows. */
  readonly model: string;
  /** Base URL ending before `/chat/completions` (e.g. `https://api.openai.com/v1`). */
  readonly baseURL: string;
  readonly apiKey?: string;
  /** Relative share of traffic among deployments of one name. */
  readonly weight: number;
}

/** A provider as the catalog is built from (config file or admin API, key decrypted). */
export interface ProviderSpec {
  name: string;
  baseURL: string;
  apiKey?: string;
  models: readonly string[];
  weight?: number;
}

/** What a name resolves to. */
export interface Resolved {
  /** The canonical name (the alias or model name the client used, or `provider/model`). */
  readonly name: string;
  readonly deployments: readonly Deployment[];
}

/** The serializable form of a catalog (what is sent to the pool's actors). */
export interface CatalogData {
  providers: ProviderSpec[];
  aliases: Record<string, string>;
}

/** A model name a client can send, for `GET /v1/models`. */
export interface ListedModel {
  id: string;
  ownedBy: string;
}

/**
 * The scope granting exactly one deployment: `llm:<provider>:<model>`, names
 * as they are (provider names are lowercase scope words, checked where a
 * provider enters: config file and admin API). A model whose name cannot be
 * written in a scope (`GPT-4`, `org/model`) has no scope of its own: `llm` or
 * `llm:<provider>` grants it.
 */
export function deploymentScope(deployment: Pick<Deployment, "provider" | "model">): string {
  return `llm:${deployment.provider}:${deployment.model}`;
}

/**
 * True when `scopes` grant `deployment`: `admin`, `llm`, `llm:<provider>`, or
 * its own {@linkcode deploymentScope} exactly. Exact, not by prefix as other
 * scopes: `llm:ollama:llama3` must not grant `llama3:70b`, nor `llm:p:gpt-4`
 * grant `GPT-4` or `gpt/4`.
 */
export function grantsDeployment(
  scopes: readonly string[],
  deployment: Pick<Deployment, "provider" | "model">,
): boolean {
  const provider = `llm:${deployment.provider}`;
  const own = deploymentScope(deployment);
  return scopes.some((s) => s === "admin" || s === "llm" || s === provider || s === own);
}

/** True when `scopes` grant some LLM access (`llm` or a finer `llm:…` scope). */
export function hasLlmScope(scopes: readonly string[]): boolean {
  return scopes.some((scope) => scope === "admin" || scope === "llm" || scope.startsWith("llm:"));
}

/** The deployments and names of the providers and aliases of `data`. */
export class Catalog {
  readonly data: CatalogData;
  readonly #byName = new Map<string, Resolved>();
  readonly #listed: Array<{ model: ListedModel; deployments: readonly Deployment[] }> = [];

  constructor(data: CatalogData) {
    this.data = data;
    const byModel = new Map<string, Deployment[]>();
    for (const provider of data.providers) {
      for (const model of provider.models) {
        const deployment: Deployment = {
          id: `${provider.name}/${model}`,
          provider: provider.name,
          model,
          baseURL: provider.baseURL.replace(/\/+$/, ""),
          apiKey: provider.apiKey,
          weight: provider.weight ?? 1,
        };
        this.#byName.set(deployment.id, { name: deployment.id, deployments: [deployment] });
        const list = byModel.get(model) ?? [];
        list.push(deployment);
        byModel.set(model, list);
      }
    }
    // A bare model name served by several providers load-balances across them.
    for (const [model, deployments] of byModel) {
      if (!this.#byName.has(model)) this.#byName.set(model, { name: model, deployments });
      this.#listed.push({ model: { id: model, ownedBy: deployments[0].provider }, deployments });
    }
    for (const [alias, target] of Object.entries(data.aliases)) {
      const resolved = this.#byName.get(target);
      if (resolved) {
        this.#byName.set(alias, { name: alias, deployments: resolved.deployments });
        this.#listed.push({
          model: { id: alias, ownedBy: "alias" },
          deployments: resolved.deployments,
        });
      }
    }
  }

  /** The deployments serving `name`, or undefined when nothing does. */
  resolve(name: string): Resolved | undefined {
    return this.#byName.get(name);
  }

  /** The deployments of `resolved` that `scopes` may use. */
  allowed(resolved: Resolved, scopes: readonly string[]): Deployment[] {
    return resolved.deployments.filter((d) => grantsDeployment(scopes, d));
  }

  /** Aliases whose target serves nothing (reported at startup). */
  danglingAliases(): string[] {
    return Object.entries(this.data.aliases)
      .filter(([, target]) => !this.#byName.has(target))
      .map(([alias]) => alias);
  }

  /** Every name a key with `scopes` may send: model names, `provider/model` ids and aliases. */
  models(scopes: readonly string[]): ListedModel[] {
    const out: ListedModel[] = [];
    for (const { model, deployments } of this.#listed) {
      if (deployments.some((d) => grantsDeployment(scopes, d))) out.push(model);
    }
    for (const resolved of this.#byName.values()) {
      if (resolved.deployments.length !== 1 || resolved.name !== resolved.deployments[0].id) {
        continue;
      }
      const d = resolved.deployments[0];
      if (grantsDeployment(scopes, d)) out.push({ id: d.id, ownedBy: d.provider });
    }
    return out;
  }
}
