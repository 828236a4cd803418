/**
 * A counting semaphore for the calls one caller has in flight. The pubsub
 * buffers a bounded number of unconsumed events per subscription and drops
 * the rest, so a caller that published thousands of requests in one tick
 * would lose some of them (and of their answers); the slots keep a burst
 * within what the subscriptions can hold.
 *
 * @module
 */
import { HubError } from "@hub/errors";

/** Releases a slot; calling it twice is harmless. */
export type Release = () => void;

interface Waiter {
  grant(): void;
}

/** At most `limit` holders; the rest wait in arrival order. */
export class Slots {
  readonly #limit: number;
  readonly #waiters: Waiter[] = [];
  #held = 0;

  constructor(limit: number) {
    if (!(limit >= 1)) throw new RangeError(`Invalid slot limit ${limit}: expected at least 1`);
    this.#limit = limit;
  }

  /** A slot now, or `undefined` when all are taken (synchronous: no microtask on the fast path). */
  tryAcquire(): Release | undefined {
    if (this.#held >= this.#limit || this.#waiters.length > 0) return undefined;
    this.#held += 1;
    return this.#releaser();
  }

  /** Waits for a slot; rejects `timeout` at `deadline`, `aborted` on `signal`. */
  acquire(what: string, deadline: number, signal?: AbortSignal): Promise<Release> {
    return new Promise((resolve, reject) => {
      const leave = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(this.#releaser());
        },
      };
      const onAbort = () => {
        leave();
        reject(new HubError("aborted", `Call of ${what} was aborted`, { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        leave();
        reject(new HubError("timeout", `Cannot call ${what}: deadline passed while queued`));
      }, Math.max(0, deadline - Date.now()));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters[0];
      // The slot passes straight to the next waiter, so `held` only drops when nobody waits.
      if (next) next.grant();
      else this.#held -= 1;
    };
  }
}
