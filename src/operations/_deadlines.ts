/**
 * `DeadlineQueue`: one timer for many deadlines. A timer per call costs more
 * than the rest of an in-process call's bookkeeping (Deno timers go through
 * the runtime), so callers and executors keep their deadlines in a min-heap
 * and arm a single timer for the earliest one.
 *
 * Removal is lazy (a settled key is forgotten, its heap entry skipped when it
 * surfaces); the heap is rebuilt from the live keys when dead entries
 * outnumber them, so memory follows the calls in flight, not the call rate.
 *
 * @module
 */

import { reportFailure } from "./_report.ts";

type Entry<K> = [at: number, key: K];

/** Calls `onExpire(key)` once `key`'s deadline (epoch ms) has passed, unless deleted first. */
export class DeadlineQueue<K> {
  readonly #onExpire: (key: K) => void;
  readonly #live = new Map<K, number>();
  #heap: Entry<K>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;

  constructor(onExpire: (key: K) => void) {
    this.#onExpire = onExpire;
  }

  /** Keys waiting. */
  get size(): number {
    return this.#live.size;
  }

  add(key: K, at: number): void {
    this.#live.set(key, at);
    this.#push([at, key]);
    if (this.#heap.length > 2 * this.#live.size + 1024) this.#rebuild();
    if (at < this.#armedAt) this.#arm(at);
    else if (this.#live.size === 1 && this.#timer !== undefined) Deno.refTimer(this.#timer);
  }

  delete(key: K): void {
    this.#live.delete(key);
    // Nothing left to wait for: the armed timer stays (re-arming per call is
    // what this class avoids) but must not keep the process alive.
    if (this.#live.size === 0 && this.#timer !== undefined) Deno.unrefTimer(this.#timer);
  }

  /** Forgets every key and stops the timer. */
  clear(): void {
    this.#live.clear();
    this.#heap = [];
    this.#disarm();
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = Date.now();
    while (this.#heap.length > 0 && this.#heap[0][0] <= now) {
      const [at, key] = this.#pop()!;
      if (this.#live.get(key) !== at) continue; // deleted or re-added since
      this.#live.delete(key);
      try {
        this.#onExpire(key);
      } catch (error) {
        reportFailure("Deadline handler failed", error); // must not strand the others
      }
    }
    this.#skipDead();
    if (this.#heap.length > 0) this.#arm(this.#heap[0][0]);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#armedAt = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - Date.now()));
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
    this.#heap = [];
  }

  #skipDead(): void {
    while (this.#heap.length > 0) {
      const [at, key] = this.#heap[0];
      if (this.#live.get(key) === at) return;
      this.#pop();
    }
  }

  #rebuild(): void {
    this.#heap = [];
    for (const [key, at] of this.#live) this.#push([at, key]);
  }

  #push(entry: Entry<K>): void {
    const heap = this.#heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent][0] <= entry[0]) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  #pop(): Entry<K> | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right][0] < heap[left][0] ? right : left;
      if (heap[child][0] >= last[0]) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
