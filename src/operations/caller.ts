/**
 * `createCaller`: the calling side of the protocol. Resolves the operation,
 * checks access and input at the boundary, publishes `call.requested` to the
 * operation's location and waits for `call.responded` / `call.error` through
 * one shared subscription per event type. The output is validated again
 * before it is returned, so an invalid answer never reaches the caller.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import { checkAccess, type Identity } from "./access.ts";
import type { OperationInput, OperationOutput } from "./context.ts";
import type { OperationDefinition } from "./define_operation.ts";
import { deserializeError, HubError, toHubError } from "./errors.ts";
import { listen, type Listening } from "./listen.ts";
import { type PendingRequest, PendingRequestMap } from "./pending_request_map.ts";
import { type CallEventMap, isCallEvent } from "./protocol.ts";
import type { OperationLocation, OperationRegistry, RegistryChange } from "./registry.ts";
import { type Release, Slots } from "./_slots.ts";
import { DeadlineQueue } from "./_deadlines.ts";
import { assertValid } from "./validation.ts";

/** Options of one call. */
export interface CallOptions {
  identity: Identity;
  parentRequestId?: string;
  /** The outermost call of the tree; set by nested callers. */
  rootRequestId?: string;
  /** Default: the caller's `defaultTimeoutMs`. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Default: a random UUID. */
  requestId?: string;
}

/** Options of {@linkcode createCaller}. */
export interface CallerOptions {
  pubsub: PubSub<CallEventMap>;
  registry: OperationRegistry;
  /** Deadline of calls that set no `timeoutMs`; default 30 000 ms. */
  defaultTimeoutMs?: number;
  /**
   * Top-level calls (no parent) in flight at once; more wait their turn.
   * Default 512, half the pubsub's default per-subscription queue. Nested
   * calls never wait, so a parent holding a slot cannot deadlock its children.
   */
  maxInFlight?: number;
}

/** Calls operations wherever they run. */
export interface Caller {
  call<D extends OperationDefinition>(
    operation: D,
    input: OperationInput<D>,
    options: CallOptions,
  ): Promise<OperationOutput<D>>;
  call(operation: string, input: unknown, options: CallOptions): Promise<unknown>;
  /** Calls waiting for an answer. */
  readonly pending: number;
  /** Stops listening and rejects every pending call with `unavailable`. */
  close(): Promise<void>;
}

const noop: Release = () => {};

/** Creates a caller; its subscriptions start with the first call. */
export function createCaller(options: CallerOptions): Caller {
  const { pubsub, registry } = options;
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 30_000;
  const slots = new Slots(options.maxInFlight ?? 512);
  const pending = new PendingRequestMap();
  const deadlines = new DeadlineQueue<string>((requestId) => pending.get(requestId)?.expire?.());
  let listening: Listening[] | undefined;
  let closed = false;

  function start(): void {
    listening ??= [
      listen(pubsub, "call.responded", ({ payload }) => {
        if (!isCallEvent("call.responded", payload)) return;
        const request = pending.take(payload.requestId);
        if (!request) return;
        try {
          assertValid(request.entry.validators.output, payload.output, {
            what: `output of "${request.entry.spec.name}"`,
            code: "internal",
          });
        } catch (error) {
          return request.reject(error as HubError);
        }
        request.resolve(payload.output);
      }),
      listen(pubsub, "call.error", ({ payload }) => {
        if (!isCallEvent("call.error", payload)) return;
        pending.take(payload.requestId)?.reject(deserializeError(payload.error));
      }),
    ];
  }

  // A location that leaves the registry (actor died, spoke disconnected) will never answer.
  const stopWatching = registry.onChange((changes: readonly RegistryChange[]) => {
    const key = (name: string, at: OperationLocation) => `${at.kind}\0${at.id}\0${name}`;
    const removed = new Set(
      changes.filter((c) => c.type === "removed").map((c) => key(c.name, c.location)),
    );
    if (removed.size === 0 || pending.size === 0) return;
    const gone = pending.takeWhere((r) => removed.has(key(r.entry.spec.name, r.entry.location)));
    for (const request of gone) {
      const { spec, location } = request.entry;
      request.reject(
        new HubError(
          "unavailable",
          `Cannot call operation "${spec.name}": ${location.kind} "${location.id}" went away`,
        ),
      );
    }
  });

  async function call(
    operation: string | OperationDefinition,
    input: unknown,
    callOptions: CallOptions,
  ): Promise<unknown> {
    const name = typeof operation === "string" ? operation : operation.name;
    if (closed) {
      throw new HubError("unavailable", `Cannot call operation "${name}": caller is closed`);
    }
    const entry = registry.get(name);
    if (!entry) throw new HubError("not_found", `Cannot call operation "${name}": not registered`);
    checkAccess(callOptions.identity, entry.spec.access, { operation: name });
    assertValid(entry.validators.input, input, { what: `input of "${name}"` });
    const timeoutMs = callOptions.timeoutMs ?? defaultTimeoutMs;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new RangeError(`Cannot call operation "${name}": timeoutMs ${timeoutMs} must be > 0`);
    }
    const requestId = callOptions.requestId ?? crypto.randomUUID();
    if (pending.has(requestId)) {
      throw new HubError(
        "conflict",
        `Cannot call operation "${name}": request id "${requestId}" is in flight`,
      );
    }
    const { signal, parentRequestId } = callOptions;
    const what = `operation "${name}"`;
    if (signal?.aborted) {
      throw new HubError("aborted", `Call of ${what} was aborted`, { cause: signal.reason });
    }
    const deadline = Date.now() + timeoutMs;
    let release: Release = noop;
    if (parentRequestId === undefined) {
      release = slots.tryAcquire() ?? await slots.acquire(what, deadline, signal);
      // While it waited, the location may have gone: it would never answer.
      if (registry.get(name) !== entry || closed) {
        release();
        throw new HubError("unavailable", `Cannot call ${what}: it left the registry while queued`);
      }
    }
    start();

    return await new Promise<unknown>((resolve, reject) => {
      const finish = () => {
        deadlines.delete(requestId);
        signal?.removeEventListener("abort", onAbort);
        release();
      };
      const abort = (reason: "timeout" | "aborted", error: HubError) => {
        if (!pending.take(requestId)) return;
        request.reject(error);
        pubsub.publish("call.aborted", requestId, { requestId, reason });
      };
      const request: PendingRequest = {
        requestId,
        entry,
        resolve: (output) => (finish(), resolve(output)),
        reject: (error) => (finish(), reject(error)),
        expire: () =>
          abort(
            "timeout",
            new HubError("timeout", `Cannot call ${what}: no answer within ${timeoutMs} ms`),
          ),
      };
      const onAbort = () =>
        abort(
          "aborted",
          new HubError("aborted", `Call of ${what} was aborted`, { cause: signal?.reason }),
        );
      signal?.addEventListener("abort", onAbort, { once: true });
      pending.add(request);
      deadlines.add(requestId, deadline);
      try {
        pubsub.publish("call.requested", entry.location.id, {
          requestId,
          ...(parentRequestId === undefined ? {} : { parentRequestId }),
          ...(callOptions.rootRequestId === undefined
            ? {}
            : { rootRequestId: callOptions.rootRequestId }),
          operation: name,
          input,
          deadline,
          identity: callOptions.identity,
        });
      } catch (error) {
        if (pending.take(requestId)) request.reject(toHubError(error));
      }
    });
  }

  return {
    call: call as Caller["call"],
    get pending() {
      return pending.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      stopWatching();
      deadlines.clear();
      for (const request of pending.takeWhere(() => true)) {
        request.reject(
          new HubError(
            "unavailable",
            `Call of operation "${request.entry.spec.name}" ended: caller closed`,
          ),
        );
      }
      await Promise.all((listening ?? []).map((sub) => sub.close()));
    },
  };
}
