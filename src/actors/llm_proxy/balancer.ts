import type { Deployment } from "../../llm_catalog/mod.ts";

/**
 * Orders the deployments of one request: healthy ones in a weighted random
 * order (each draw proportional to weight), then those cooling down after a
 * failure, soonest recovered first — a request still gets tried somewhere
 * when every deployment failed recently.
 */
export class Balancer {
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #until = new Map<string, number>();

  constructor(
    cooldownMs: number,
    now: () => number = performance.now.bind(performance),
    random = Math.random,
  ) {
    this.#cooldownMs = cooldownMs;
    this.#now = now;
    this.#random = random;
  }

  /** The order in which to try `deployments`. */
  order(deployments: readonly Deployment[]): Deployment[] {
    if (deployments.length === 1 && this.#until.size === 0) return [deployments[0]];
    const now = this.#now();
    const healthy: Array<{ d: Deployment; key: number }> = [];
    const cooling: Array<{ d: Deployment; until: number }> = [];
    for (const d of deployments) {
      const until = this.#until.get(d.id);
      if (until !== undefined && until > now) cooling.push({ d, until });
      else {
        if (until !== undefined) this.#until.delete(d.id);
        // Efraimidis–Spirakis: sorting by u^(1/w) draws without replacement by weight.
        healthy.push({ d, key: this.#random() ** (1 / d.weight) });
      }
    }
    healthy.sort((a, b) => b.key - a.key);
    cooling.sort((a, b) => a.until - b.until);
    return [...healthy.map((h) => h.d), ...cooling.map((c) => c.d)];
  }

  /** Marks `deployment` as failing: it is tried last for the cooldown period. */
  fail(deployment: Deployment): void {
    if (this.#cooldownMs > 0) this.#until.set(deployment.id, this.#now() + this.#cooldownMs);
  }

  /** A success ends the deployment's cooldown early. */
  succeed(deployment: Deployment): void {
    if (this.#until.size > 0) this.#until.delete(deployment.id);
  }

  /** Deployment ids cooling down now. */
  coolingDown(): string[] {
    const now = this.#now();
    return [...this.#until].filter(([, until]) => until > now).map(([id]) => id);
  }
}
