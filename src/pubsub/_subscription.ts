/**
 * The Repeater a subscription returns, with fast paths around the Repeater.
 *
 * Every Repeater push allocates several promises (about 5 µs per event here,
 * the largest single cost of an operation call over HTTP). This subclass uses
 * the Repeater only to start (the first `next()` runs the executor, which
 * attaches the listener synchronously) and to stop; events travel outside it:
 *
 * - events that arrive while the consumer is busy wait in a bounded queue and
 *   `next()` returns them at once;
 * - a `next()` that finds the queue empty waits on a plain promise that the
 *   next event resolves directly.
 *
 * Order is kept: a waiting `next()` exists only while the queue is empty, and
 * waiting `next()`s are answered first come, first served.
 *
 * @module
 */

import { type Push, Repeater, type Stop } from "@repeaterjs/repeater";
import { QueueBuffer } from "./_queue_buffer.ts";

type Waiter<T> = {
  resolve(result: IteratorResult<T, void>): void;
  reject(error: unknown): void;
};

/** Shared between the Repeater executor (which runs lazily) and the instance. */
interface State<T> {
  push?: Push<T>;
  /** Repeater next() calls not yet answered by a push (only before the first event). */
  viaRepeater: number;
  /** next() calls waiting outside the Repeater. */
  waiters: Waiter<T>[];
  queue: QueueBuffer<T>;
  started: boolean;
  ended: boolean;
  /** Settles the waiters once the Repeater has stopped (its final result decides how). */
  settle?: () => void;
}

/** Attaches the source; returns the detach function. `deliver` takes each value. */
export type Attach<T> = (deliver: (value: T) => boolean, stop: Stop) => () => void;

/** See the module doc. `deliver` returns false when the queue is full and the value was dropped. */
export class Subscription<T> extends Repeater<T, void, unknown> {
  readonly #state: State<T>;

  constructor(attach: Attach<T>, capacity: number) {
    const state: State<T> = {
      viaRepeater: 0,
      waiters: [],
      queue: new QueueBuffer<T>(capacity),
      started: false,
      ended: false,
    };
    const deliver = (value: T): boolean => {
      if (state.ended) return true;
      if (state.viaRepeater > 0) {
        // Decrement now, not when the next() settles: a later value must not
        // overtake this one through the queue.
        state.viaRepeater--;
        void state.push!(value);
        return true;
      }
      const waiter = state.waiters.shift();
      if (waiter) {
        waiter.resolve({ value, done: false });
        return true;
      }
      if (state.queue.full) return false;
      state.queue.add(value);
      return true;
    };
    super(async (push, stop) => {
      state.push = push;
      const detach = attach(deliver, stop);
      await stop;
      detach();
      state.ended = true;
      state.settle?.();
    });
    this.#state = state;
    state.settle = () => {
      // The Repeater has stopped: its next() now gives the final result (done, or the error).
      for (const waiter of state.waiters.splice(0)) {
        super.next().then(waiter.resolve, waiter.reject);
      }
    };
  }

  override next(value?: unknown): Promise<IteratorResult<T, void>> {
    const state = this.#state;
    if (!state.queue.empty) return Promise.resolve({ value: state.queue.remove(), done: false });
    if (state.ended) return super.next(value);
    if (!state.started) {
      // The first next() runs the executor, which attaches the listener synchronously.
      state.started = true;
      state.viaRepeater++;
      return super.next(value);
    }
    return new Promise((resolve, reject) => state.waiters.push({ resolve, reject }));
  }

  override return(value?: PromiseLike<void> | void): Promise<IteratorResult<T, void>> {
    this.#end();
    return super.return(value);
  }

  override throw(error: unknown): Promise<IteratorResult<T, void>> {
    this.#end();
    return super.throw(error);
  }

  #end(): void {
    const state = this.#state;
    state.ended = true;
    state.viaRepeater = 0;
    while (!state.queue.empty) state.queue.remove();
    for (const waiter of state.waiters.splice(0)) waiter.resolve({ value: undefined, done: true });
  }
}
