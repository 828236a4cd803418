/**
 * Book-keeping of call trees by root, for eviction: which calls belong to a
 * root, how many still run, and since when a tree has been finished.
 *
 * @module
 */

interface RootState {
  members: string[];
  running: number;
}

/** Trees by root id; finished trees in the order they finished. */
export class RootIndex {
  readonly #roots = new Map<string, RootState>();
  /** Root id → epoch ms it finished; Map order = finish order (oldest first). */
  readonly #finished = new Map<string, number>();

  get finishedCount(): number {
    return this.#finished.size;
  }

  /** A call joined `rootId`'s tree (running). */
  add(rootId: string, requestId: string): void {
    let state = this.#roots.get(rootId);
    if (!state) {
      state = { members: [], running: 0 };
      this.#roots.set(rootId, state);
    }
    state.members.push(requestId);
    state.running += 1;
    this.#finished.delete(rootId); // a late child reopens a finished tree
  }

  /** A call of `rootId`'s tree ended; the tree is finished when none runs. */
  end(rootId: string, at: number): void {
    const state = this.#roots.get(rootId);
    if (!state) return;
    state.running -= 1;
    if (state.running === 0) this.#finished.set(rootId, at);
  }

  /** The oldest finished root and when it finished. */
  oldestFinished(): [string, number] | undefined {
    for (const entry of this.#finished) return entry;
    return undefined;
  }

  /** The oldest root of all (finished or not): the victim under memory pressure. */
  oldest(): string | undefined {
    for (const rootId of this.#roots.keys()) return rootId;
    return undefined;
  }

  /** Forgets `rootId`'s tree; returns its members. */
  remove(rootId: string): string[] {
    const state = this.#roots.get(rootId);
    this.#roots.delete(rootId);
    this.#finished.delete(rootId);
    return state?.members ?? [];
  }
}
