/**
 * `createCaller`: the calling side of the protocol. Resolves the operation,
 * checks access and input at the boundary, publishes `call.requested` to the
 * operation's location and waits for `call.responded` / `call.error` through
 * one shared subscription per event type. The output is validated again
 * before it is returned, so an invalid answer never reaches the caller.
 *
 * A location served in this process (an executor attached with
 * `attachLocal`) is called directly instead, and calls that never reach the
 * bus (direct ones, and those refused before dispatch) are reported to the
 * caller's observers, so the call graph still sees them.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import { checkAccess, type Identity } from "./access.ts";
import type { OperationInput, OperationOutput } from "./context.ts";
import type { OperationDefinition } from "./define_operation.ts";
import { deserializeError, type ErrorCode, HubError, toHubError } from "@hub/errors";
import { listen, type Listening } from "./listen.ts";
import { type LocalDispatch, type LocalRun, locationKey } from "./local_dispatch.ts";
import { callEnd, type CallObserver } from "./observer.ts";
import { type PendingRequest, PendingRequestMap } from "./pending_request_map.ts";
import { type CallEventMap, type CallRequested, isCallEvent } from "./protocol.ts";
import type {
  OperationLocation,
  OperationRegistry,
  RegisteredOperation,
  RegistryChange,
} from "./registry.ts";
import { type Release, Slots } from "./_slots.ts";
import { DeadlineQueue } from "./_deadlines.ts";
import { reportFailure } from "./_report.ts";
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
  /** The id the client gave its request, recorded with the call. */
  clientRequestId?: string;
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
  /**
   * Runs calls to `location` through `dispatch` instead of the bus (an
   * executor of this process attaches itself); returns the detach function.
   */
  attachLocal(location: OperationLocation, dispatch: LocalDispatch): () => void;
  /** Reports calls that never reach the bus to `observer`; returns the function that stops it. */
  observe(observer: CallObserver): () => void;
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
  const locals = new Map<string, LocalDispatch>();
  const observers = new Set<CallObserver>();
  let listening: Listening[] | undefined;
  let closed = false;

  const notify = (report: (observer: CallObserver) => void) => {
    for (const observer of observers) {
      try {
        report(observer);
      } catch (error) {
        reportFailure("Call observer failed", error); // an observer bug must not fail the call
      }
    }
  };
  // A refused call is recorded too: who tried to call what, and why it was refused.
  const refused = (request: CallRequested, location: string, error: HubError) => {
    if (observers.size === 0) return;
    notify((o) => o.requested(request, location));
    notify((o) => o.ended(callEnd(request.requestId, error.code)));
  };

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
    const { signal, parentRequestId, rootRequestId, identity, clientRequestId } = callOptions;
    const deadline = Date.now() + timeoutMs;
    const request: CallRequested = {
      requestId,
      ...(parentRequestId === undefined ? {} : { parentRequestId }),
      ...(rootRequestId === undefined ? {} : { rootRequestId }),
      operation: name,
      input,
      deadline,
      identity,
      ...(clientRequestId === undefined ? {} : { clientRequestId }),
    };
    const what = `operation "${name}"`;
    let entry: RegisteredOperation | undefined;
    let release: Release = noop;
    try {
      if (closed) throw new HubError("unavailable", `Cannot call ${what}: caller is closed`);
      entry = registry.get(name);
      if (!entry) throw new HubError("not_found", `Cannot call ${what}: not registered`);
      checkAccess(identity, entry.spec.access, { operation: name });
      assertValid(entry.validators.input, input, { what: `input of "${name}"` });
      if (signal?.aborted) {
        throw new HubError("aborted", `Call of ${what} was aborted`, { cause: signal.reason });
      }
      if (parentRequestId === undefined) {
        release = slots.tryAcquire() ?? await slots.acquire(what, deadline, signal);
        // While it waited, the location may have gone: it would never answer.
        if (registry.get(name) !== entry || closed) {
          release();
          throw new HubError(
            "unavailable",
            `Cannot call ${what}: it left the registry while queued`,
          );
        }
      }
    } catch (error) {
      if (error instanceof HubError) refused(request, entry?.location.id ?? "", error);
      throw error;
    }
    const local = locals.get(locationKey(entry.location));
    if (!local) start();
    const target = entry; // narrowed, for the closures below

    return await new Promise<unknown>((resolve, reject) => {
      let run: LocalRun | undefined;
      const finish = (code?: ErrorCode) => {
        deadlines.delete(requestId);
        signal?.removeEventListener("abort", onAbort);
        release();
        if (local) notify((o) => o.ended(callEnd(requestId, code)));
      };
      const abort = (reason: "timeout" | "aborted", error: HubError) => {
        if (!pending.take(requestId)) return;
        waiting.reject(error);
        if (run) run.abort(reason);
        else pubsub.publish("call.aborted", requestId, { requestId, reason });
      };
      const waiting: PendingRequest = {
        requestId,
        entry: target,
        resolve: (output) => (finish(), resolve(output)),
        reject: (error) => (finish(error.code), reject(error)),
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
      pending.add(waiting);
      deadlines.add(requestId, deadline);
      try {
        if (local) {
          notify((o) => o.requested(request, target.location.id));
          run = local(request);
          run.result.then(
            (output) => pending.take(requestId)?.resolve(output),
            (error) => pending.take(requestId)?.reject(toHubError(error)),
          );
        } else {
          pubsub.publish("call.requested", target.location.id, request);
        }
      } catch (error) {
        if (pending.take(requestId)) waiting.reject(toHubError(error));
      }
    });
  }

  return {
    call: call as Caller["call"],
    get pending() {
      return pending.size;
    },
    attachLocal(location, dispatch) {
      const key = locationKey(location);
      if (locals.has(key)) {
        throw new TypeError(
          `Cannot attach ${location.kind} "${location.id}": a local executor is attached already`,
        );
      }
      locals.set(key, dispatch);
      return () => void (locals.get(key) === dispatch && locals.delete(key));
    },
    observe(observer) {
      observers.add(observer);
      return () => void observers.delete(observer);
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
