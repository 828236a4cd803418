/**
 * `serveOperations`: the executing side of the protocol at one location. It
 * runs the handler of every `call.requested` addressed to the location,
 * re-checks access and input (compiled, cheap — the request may come from a
 * peer that skipped its checks), validates the output, and answers with
 * `call.responded` or `call.error`. `call.aborted`, the deadline and `close()`
 * abort the handler's signal.
 *
 * Given a `caller` (of the same process, by construction), the executor also
 * attaches itself to it: that caller's calls to this location run here
 * directly (see `local_dispatch.ts`), with the same handler context, output
 * validation and error form, and are reported to that caller's observers
 * instead of crossing the bus.
 *
 * @module
 */
import type { PubSub } from "@alkdev/pubsub";
import { checkAccess } from "./access.ts";
import { type Caller, createCaller } from "./caller.ts";
import type { NestedCall, OperationLog } from "./context.ts";
import { LazyAbort } from "./_lazy_abort.ts";
import type { OperationDefinition } from "./define_operation.ts";
import { deserializeError, type ErrorCode, HubError } from "@hub/errors";
import { listen } from "./listen.ts";
import { DeadlineQueue } from "./_deadlines.ts";
import {
  type CallAbortReason,
  type CallEventMap,
  type CallRequested,
  isCallEvent,
} from "./protocol.ts";
import type { LocalDispatch } from "./local_dispatch.ts";
import type { OperationLocation, OperationRegistry } from "./registry.ts";
import { nestedCall } from "./_nested_call.ts";
import { toWireError } from "./_wire_error.ts";
import { assertValid } from "./validation.ts";

/** Options of {@linkcode serveOperations}. */
export interface ServeOperationsOptions {
  pubsub: PubSub<CallEventMap>;
  /** Requests published under `location.id` are served here. */
  location: OperationLocation;
  operations: readonly OperationDefinition[];
  /** When given, the operations are registered at `location` (and unregistered on close). */
  registry?: OperationRegistry;
  /**
   * Makes the handlers' nested calls; default: a caller over `pubsub` and
   * `registry`. A caller given here also runs its calls to this location
   * directly, without the bus (its observers see them).
   */
  caller?: Caller;
  log?: OperationLog;
  /**
   * How long after a request's deadline the executor gives up on its own,
   * aborting the handler and answering `timeout`, when no `call.aborted`
   * came (the caller is gone). Default 1000 ms: the caller, whose timer runs
   * at the deadline itself, normally aborts first and its error is the one seen.
   */
  deadlineGraceMs?: number;
}

/** A running executor. */
export interface ServedOperations {
  /** Handlers running now. */
  readonly running: number;
  /** Stops serving; running handlers are aborted and their callers get `unavailable`. */
  close(): Promise<void>;
}

/** What a handler run ends with. */
type Outcome = { readonly output: unknown } | { readonly error: unknown };

interface Running {
  readonly name: string;
  readonly controller: LazyAbort;
  /** Set once an answer was given or the caller gave up: nothing more is sent. */
  answered: boolean;
  /** Publishes the outcome on the bus, or settles a direct call. */
  readonly answer: (outcome: Outcome) => void;
}

// All or nothing: a name taken elsewhere must not leave half the operations registered.
function registerAll(
  registry: OperationRegistry,
  operations: readonly OperationDefinition[],
  location: OperationLocation,
): void {
  for (const definition of operations) {
    const existing = registry.get(definition.name)?.location;
    if (existing && (existing.kind !== location.kind || existing.id !== location.id)) {
      throw new HubError(
        "conflict",
        `Cannot serve operation "${definition.name}": already registered at ${existing.kind} "${existing.id}"`,
      );
    }
  }
  for (const definition of operations) registry.register(definition, location);
}

function abortError(reason: CallAbortReason): HubError {
  return new HubError(
    reason,
    `Call was ${reason === "timeout" ? "timed out" : "aborted"} by its caller`,
  );
}

/** Serves `operations` at `location`; throws `conflict` if a name is served elsewhere. */
export function serveOperations(options: ServeOperationsOptions): ServedOperations {
  const { pubsub, location, registry, log } = options;
  const byName = new Map(options.operations.map((op) => [op.name, op]));
  if (byName.size !== options.operations.length) {
    throw new TypeError(
      `Cannot serve operations at ${location.kind} "${location.id}": duplicate names`,
    );
  }
  if (registry) registerAll(registry, options.operations, location);
  const ownCaller = options.caller === undefined && registry !== undefined
    ? createCaller({ pubsub, registry })
    : undefined;
  const caller = options.caller ?? ownCaller;
  const graceMs = options.deadlineGraceMs ?? 1000;
  const running = new Map<string, Running>();
  const deadlines = new DeadlineQueue<string>((requestId) => {
    const run = running.get(requestId);
    if (!run) return;
    // Answer too, so observers (the call graph) see an end even if the caller is gone.
    const error = new HubError("timeout", `Operation "${run.name}" passed its deadline`);
    settle(run, { error });
    run.controller.abort(error);
  });
  let closed = false;

  const settle = (run: Running, outcome: Outcome) => {
    if (run.answered) return;
    run.answered = true;
    run.answer(outcome);
  };
  const publishError = (requestId: string, error: unknown) =>
    pubsub.publish("call.error", requestId, { requestId, error: toWireError(error, log) });
  const publishOutcome = (requestId: string) => (outcome: Outcome) => {
    if ("output" in outcome) {
      pubsub.publish("call.responded", requestId, { requestId, output: outcome.output });
    } else publishError(requestId, outcome.error);
  };

  const execute = async (request: CallRequested, definition: OperationDefinition, run: Running) => {
    const { requestId } = request;
    try {
      let call: NestedCall | undefined;
      // The signal and the nested-call function are built only if the handler uses them.
      const ctx = {
        requestId,
        ...(request.parentRequestId === undefined
          ? {}
          : { parentRequestId: request.parentRequestId }),
        rootRequestId: request.rootRequestId ?? requestId,
        identity: request.identity,
        get signal() {
          return run.controller.signal;
        },
        deadline: request.deadline,
        get call() {
          return call ??= nestedCall(caller, request, () => run.controller.signal);
        },
        ...(log === undefined ? {} : { log }),
      };
      const output = await definition.handler(request.input, ctx);
      if (run.answered) return;
      assertValid(definition.validators.output, output, {
        what: `output of "${definition.name}"`,
        code: "internal",
      });
      settle(run, { output });
    } catch (error) {
      settle(run, { error });
    }
  };

  const begin = (request: CallRequested, definition: OperationDefinition, run: Running) => {
    const { requestId } = request;
    running.set(requestId, run);
    execute(request, definition, run).finally(() => {
      deadlines.delete(requestId);
      running.delete(requestId);
    });
  };

  const onRequest = (request: CallRequested) => {
    const { requestId } = request;
    if (closed || running.has(requestId)) return; // a duplicate delivery is served once
    const remaining = request.deadline - Date.now();
    if (remaining <= 0) return; // the caller has stopped waiting: running it is wasted work
    const definition = byName.get(request.operation);
    try {
      if (!definition) {
        throw new HubError(
          "not_found",
          `Cannot call operation "${request.operation}": not served at ${location.kind} "${location.id}"`,
        );
      }
      checkAccess(request.identity, definition.access, { operation: definition.name });
      assertValid(definition.validators.input, request.input, {
        what: `input of "${definition.name}"`,
      });
    } catch (error) {
      return publishError(requestId, error);
    }
    deadlines.add(requestId, request.deadline + graceMs);
    begin(request, definition, {
      name: definition.name,
      controller: new LazyAbort(),
      answered: false,
      answer: publishOutcome(requestId),
    });
  };

  // The caller of this process checked access and input already, and it aborts
  // the run itself at the deadline: no second check, no grace timer.
  const runDirectly: LocalDispatch = (request) => {
    const { requestId } = request;
    let run: Running | undefined;
    const result = new Promise<unknown>((resolve, reject) => {
      const definition = byName.get(request.operation);
      const refuse = (code: ErrorCode, why: string) =>
        reject(
          new HubError(
            code,
            `Cannot call operation "${request.operation}" at ${location.kind} "${location.id}": ${why}`,
          ),
        );
      if (closed) return refuse("unavailable", "closed");
      if (!definition) return refuse("not_found", "not served here");
      if (running.has(requestId)) return refuse("conflict", "request id in flight");
      run = {
        name: definition.name,
        controller: new LazyAbort(),
        answered: false,
        answer: (outcome) =>
          "output" in outcome
            ? resolve(outcome.output)
            : reject(deserializeError(toWireError(outcome.error, log))),
      };
      begin(request, definition, run);
    });
    return {
      result,
      abort(reason) {
        if (!run || run.answered) return;
        run.answered = true; // the caller already settled; an answer would reach nobody
        run.controller.abort(abortError(reason));
      },
    };
  };
  // Only a caller the owner handed in: its observers are the owner's to wire.
  const detach = options.caller?.attachLocal(location, runDirectly);

  const subscriptions = [
    listen(pubsub, "call.requested", ({ payload }) => {
      if (isCallEvent("call.requested", payload)) return onRequest(payload);
      log?.warn("Ignoring a malformed call.requested at {location}", { location: location.id });
    }, { id: location.id, log }),
    listen(pubsub, "call.aborted", ({ payload }) => {
      if (!isCallEvent("call.aborted", payload)) return;
      const run = running.get(payload.requestId);
      if (!run || run.answered) return;
      run.answered = true; // the caller already settled; an answer would reach nobody
      run.controller.abort(abortError(payload.reason));
    }),
  ];
  return {
    get running() {
      return running.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      detach?.();
      deadlines.clear();
      for (const run of running.values()) {
        const error = new HubError(
          "unavailable",
          `Operation server at ${location.kind} "${location.id}" closed`,
        );
        settle(run, { error });
        run.controller.abort(error);
      }
      registry?.unregister(location);
      await Promise.all(subscriptions.map((subscription) => subscription.close()));
      await ownCaller?.close();
    },
  };
}
