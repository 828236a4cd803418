import type { RestartOptions } from "./types.ts";

/** What to do after a crash: restart after `delayMs`, or give up. */
export type RestartDecision =
  | {
    restart: true;
    delayMs: number; /** 1 for the first restart in the window. */
    attempt: number;
  }
  | { restart: false; /** Restarts already spent in the window. */ restarts: number };

/**
 * One-for-one restart policy of one actor. The n-th restart within the window
 * waits a uniform random delay in `[base, min(max, base * 2^n)]`: exponential
 * growth keeps a crash loop cheap, and the jitter keeps many actors that
 * crashed together (a shared dependency went away) from restarting in lockstep.
 */
export class RestartPolicy {
  readonly #options: RestartOptions;
  readonly #random: () => number;
  /** When each restart in the current window was granted. */
  #granted: number[] = [];

  constructor(options: RestartOptions, random: () => number = Math.random) {
    if (options.backoffMaxMs < options.backoffBaseMs) {
      throw new RangeError(
        `Cannot create restart policy: backoffMaxMs (${options.backoffMaxMs}) is below backoffBaseMs (${options.backoffBaseMs})`,
      );
    }
    this.#options = options;
    this.#random = random;
  }

  /** Records a crash at `now` (ms, any monotonic clock) and decides. */
  onCrash(now: number): RestartDecision {
    const { maxRestarts, windowMs, backoffBaseMs, backoffMaxMs } = this.#options;
    this.#granted = this.#granted.filter((at) => now - at < windowMs);
    const spent = this.#granted.length;
    if (spent >= maxRestarts) return { restart: false, restarts: spent };
    this.#granted.push(now);
    const ceiling = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (spent + 1));
    const delayMs = Math.round(backoffBaseMs + this.#random() * (ceiling - backoffBaseMs));
    return { restart: true, delayMs, attempt: spent + 1 };
  }
}
