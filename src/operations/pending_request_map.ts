/**
 * `PendingRequestMap`: the calls one caller is waiting for, keyed by request
 * id. One shared subscription per event type feeds it, instead of one
 * subscription per call.
 *
 * @module
 */
import type { HubError } from "@hub/errors";
import type { RegisteredOperation } from "./registry.ts";

/** What a caller keeps while a call is in flight. */
export interface PendingRequest {
  readonly requestId: string;
  readonly entry: RegisteredOperation;
  resolve(output: unknown): void;
  reject(error: HubError): void;
  /** Called when the deadline passes while still pending. */
  expire?(): void;
}

/** Pending calls by request id; `settle` removes before resolving, so each settles once. */
export class PendingRequestMap {
  readonly #pending = new Map<string, PendingRequest>();

  get size(): number {
    return this.#pending.size;
  }

  has(requestId: string): boolean {
    return this.#pending.has(requestId);
  }

  get(requestId: string): PendingRequest | undefined {
    return this.#pending.get(requestId);
  }

  add(request: PendingRequest): void {
    this.#pending.set(request.requestId, request);
  }

  /** Removes and returns the request, or `undefined` when it already settled. */
  take(requestId: string): PendingRequest | undefined {
    const request = this.#pending.get(requestId);
    if (request) this.#pending.delete(requestId);
    return request;
  }

  /** Requests matching `predicate`, removed from the map. */
  takeWhere(predicate: (request: PendingRequest) => boolean): PendingRequest[] {
    const taken: PendingRequest[] = [];
    for (const request of this.#pending.values()) if (predicate(request)) taken.push(request);
    for (const request of taken) this.#pending.delete(request.requestId);
    return taken;
  }
}
