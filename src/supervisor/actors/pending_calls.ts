import { deserializeError, HubError } from "@hub/errors";
import { isRemoteError } from "../../workers/mod.ts";

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: HubError): void;
  method: string;
  deadline: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/**
 * The calls in flight to one worker: each settles exactly once, by its answer,
 * its deadline, its abort signal or the worker's death. comlink never settles
 * a call whose worker died, so this is what keeps callers from hanging.
 *
 * Deadlines share one timer armed for the earliest deadline: a per-call
 * `setTimeout` would cost a timer op per call on the hot path.
 */
export class PendingCalls {
  readonly #actorId: string;
  readonly #calls = new Set<PendingCall>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #drainWaiters: Array<() => void> | undefined;

  constructor(actorId: string) {
    this.#actorId = actorId;
  }

  /** Calls in flight. */
  get size(): number {
    return this.#calls.size;
  }

  /** Sends with `send(...args)` and tracks the answer until it settles. */
  track(
    method: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    send: (...args: unknown[]) => Promise<unknown>,
    args: unknown[],
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(this.#aborted(method));
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + timeoutMs;
      const call: PendingCall = { resolve, reject, method, deadline, timeoutMs };
      this.#calls.add(call);
      if (deadline < this.#timerAt) this.#arm(deadline);
      if (signal) {
        call.signal = signal;
        call.onAbort = () => this.#take(call) && reject(this.#aborted(method));
        signal.addEventListener("abort", call.onAbort, { once: true });
      }
      let answer: Promise<unknown>;
      try {
        answer = Reflect.apply(send, undefined, args);
      } catch (error) {
        answer = Promise.reject(error);
      }
      answer.then(
        (value) => this.#take(call) && resolve(value),
        (error) => this.#take(call) && reject(this.#callError(method, error)),
      );
    });
  }

  /** Rejects every call in flight (the worker is gone). */
  rejectAll(error: () => HubError): void {
    const calls = [...this.#calls];
    for (const call of calls) this.#take(call);
    this.#disarm();
    for (const call of calls) call.reject(error());
  }

  /** Resolves once no call is in flight. */
  drained(): Promise<void> {
    if (this.#calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }

  #take(call: PendingCall): boolean {
    if (!this.#calls.delete(call)) return false;
    if (call.onAbort) call.signal!.removeEventListener("abort", call.onAbort);
    // The deadline timer stays armed when the set empties: re-arming it for
    // every sequential call would cost more than one idle wake-up per deadline.
    if (this.#calls.size === 0 && this.#drainWaiters) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = undefined;
      waiters.forEach((resolve) => resolve());
    }
    return true;
  }

  #arm(at: number): void {
    this.#disarm();
    this.#timerAt = at;
    this.#timer = setTimeout(this.#expire, Math.max(0, at - performance.now()));
    // A deadline alone must not keep the process alive.
    Deno.unrefTimer(this.#timer);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  readonly #expire = () => {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const call of this.#calls) {
      if (call.deadline <= now) {
        this.#take(call);
        call.reject(
          new HubError(
            "timeout",
            `Cannot call actor "${this.#actorId}": "${call.method}" did not answer within ${call.timeoutMs} ms`,
          ),
        );
      } else if (call.deadline < next) next = call.deadline;
    }
    if (next !== Infinity && this.#calls.size > 0) this.#arm(next);
  };

  #aborted(method: string): HubError {
    return new HubError("aborted", `Cannot call actor "${this.#actorId}": "${method}" was aborted`);
  }

  #callError(method: string, error: unknown): HubError {
    // The actor's own throw keeps its code; anything else failed on this side.
    if (isRemoteError(error)) return deserializeError(error.hubError);
    const message = error instanceof Error ? error.message : String(error);
    return new HubError(
      "internal",
      `Cannot call actor "${this.#actorId}": "${method}" failed on the caller side: ${message}`,
      {
        cause: error,
      },
    );
  }
}
