/**
 * An abort controller created on first use. Most handlers never look at
 * `ctx.signal`, and a Deno `AbortController` (an `EventTarget` underneath) was
 * the largest allocation of an in-process call: the executor keeps only the
 * abort reason until someone asks for the signal.
 *
 * @module
 */

/** Abort state whose `AbortSignal` exists only once read. */
export class LazyAbort {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** The signal; already aborted (with the reason) if `abort` came first. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts once; later calls are ignored. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
