/**
 * A bounded FIFO buffer for subscription Repeaters. The Repeater library's
 * own `FixedBuffer` removes with `Array.prototype.shift`, which is linear in
 * the queue length, so a subscriber catching up on a large burst went
 * quadratic (100k queued events: ~20k events/s). This one is O(1) per
 * operation.
 *
 * @module
 */

import type { RepeaterBuffer } from "@repeaterjs/repeater";

/** Holds up to `capacity` values (`Infinity` for unbounded). */
export class QueueBuffer<T = unknown> implements RepeaterBuffer<T> {
  readonly #capacity: number;
  #items: Array<T | undefined> = [];
  #head = 0;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`Cannot create buffer: capacity ${capacity} < 1`);
    this.#capacity = capacity;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }

  get empty(): boolean {
    return this.length === 0;
  }

  get full(): boolean {
    return this.length >= this.#capacity;
  }

  add(value: T): void {
    if (this.full) throw new RangeError("Cannot add to a full buffer");
    this.#items.push(value);
  }

  remove(): T {
    if (this.empty) throw new RangeError("Cannot remove from an empty buffer");
    const value = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined; // let the value be collected
    // Compact once the consumed prefix dominates, keeping memory proportional to length.
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return value;
  }
}
