/**
 * Drop counting shared by the transports: every dropped message is counted
 * and reported through the caller's `onDrop`, never thrown.
 *
 * @module
 */

import type { DropInfo, DropReason, OnDrop, TransportStats } from "./types.ts";

/** Mutable drop counters plus the optional report callback. */
export class Drops {
  readonly counts: { -readonly [K in keyof TransportStats["dropped"]]: number } = {
    malformed: 0,
    oversized: 0,
    unknownControl: 0,
    denied: 0,
    slowConsumer: 0,
  };
  readonly #onDrop: OnDrop | undefined;

  constructor(onDrop?: OnDrop) {
    this.#onDrop = onDrop;
  }

  /** Counts and reports one drop; a throwing `onDrop` is ignored so input cannot crash the link. */
  drop(reason: DropReason, info: DropInfo = {}): void {
    if (reason in this.counts) this.counts[reason as keyof Drops["counts"]]++;
    try {
      this.#onDrop?.(reason, info);
    } catch {
      // The callback is diagnostics only; its failure must not take the link down.
    }
  }

  /** A frozen copy for `stats()`. */
  snapshot(): TransportStats["dropped"] {
    return { ...this.counts };
  }
}
