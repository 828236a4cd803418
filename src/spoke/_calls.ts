/**
 * The calls a spoke runs: each `call.requested` from the hub is checked
 * (operation, access, deadline, input) before its handler runs, the output is
 * validated before it leaves, and exactly one answer goes back — also after
 * `call.aborted`, since the hub frees the call's slot on the answer.
 *
 * @module
 */
import {
  assertValid,
  type CallRequested,
  checkAccess,
  type NestedCall,
  type OperationContext,
  type OperationDefinition,
  type OperationLog,
} from "@alkdev/operations";
import { HubError, type SerializedError, toHubError } from "@hub/errors";
import { bindProgress } from "./progress.ts";
import { MAX_ERROR_MESSAGE } from "./protocol.ts";

/** Where a call's answer and progress go. */
export interface CallSink {
  responded(requestId: string, output: unknown): void;
  failed(requestId: string, error: SerializedError): void;
  progress(requestId: string, progress: unknown): void;
}

interface Running {
  readonly controller: AbortController;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly done: Promise<void>;
}

/** Runs calls of the operations one spoke offers. */
export class SpokeCalls {
  readonly #operations: ReadonlyMap<string, OperationDefinition>;
  readonly #log?: OperationLog;
  readonly #running = new Map<string, Running>();

  constructor(operations: ReadonlyMap<string, OperationDefinition>, log?: OperationLog) {
    this.#operations = operations;
    this.#log = log;
  }

  /** Calls running now. */
  get size(): number {
    return this.#running.size;
  }

  /** Runs one request; its answer goes to `sink`. */
  start(request: CallRequested, sink: CallSink): void {
    const { requestId } = request;
    if (this.#running.has(requestId)) return; // duplicate delivery: one run, one answer
    const definition = this.#operations.get(request.operation);
    try {
      if (!definition) {
        throw new HubError(
          "not_found",
          `Cannot call operation "${request.operation}": this spoke does not offer it`,
        );
      }
      if (request.deadline <= Date.now()) {
        throw new HubError("timeout", `Operation "${definition.name}" arrived past its deadline`);
      }
      checkAccess(request.identity, definition.access, { operation: definition.name });
      assertValid(definition.validators.input, request.input, {
        what: `input of "${definition.name}"`,
      });
    } catch (error) {
      return sink.failed(requestId, this.#wire(error));
    }
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(
        new HubError("timeout", `Operation "${definition.name}" passed its deadline`),
      );
    }, Math.max(0, request.deadline - Date.now()));
    const ctx: OperationContext = {
      requestId,
      ...(request.parentRequestId === undefined
        ? {}
        : { parentRequestId: request.parentRequestId }),
      rootRequestId: request.rootRequestId ?? requestId,
      identity: request.identity,
      signal: controller.signal,
      deadline: request.deadline,
      call: noNestedCalls(definition.name),
      ...(this.#log === undefined ? {} : { log: this.#log }),
    };
    bindProgress(ctx, (progress) => sink.progress(requestId, progress));
    const done = (async () => {
      // Start the handler only after the run is registered below: a handler that
      // throws synchronously would otherwise finish (and unregister) before it.
      await Promise.resolve();
      try {
        const output = await definition.handler(request.input, ctx);
        if (controller.signal.aborted) throw controller.signal.reason;
        assertValid(definition.validators.output, output, {
          what: `output of "${definition.name}"`,
          code: "internal",
        });
        sink.responded(requestId, output);
      } catch (error) {
        // An aborted call answers with the abort's code, whatever the handler threw.
        sink.failed(
          requestId,
          this.#wire(controller.signal.aborted ? controller.signal.reason : error),
        );
      } finally {
        clearTimeout(timer);
        this.#running.delete(requestId);
      }
    })();
    this.#running.set(requestId, { controller, timer, done });
  }

  /** Aborts a running call (the hub's `call.aborted`). */
  abort(requestId: string, reason: "timeout" | "aborted"): void {
    const running = this.#running.get(requestId);
    if (!running || running.controller.signal.aborted) return;
    const message = reason === "timeout"
      ? "Call was timed out by its caller"
      : "Call was aborted by its caller";
    running.controller.abort(new HubError(reason, message));
  }

  /** Aborts every running call with `error`. */
  abortAll(error: HubError): void {
    for (const running of this.#running.values()) {
      if (!running.controller.signal.aborted) running.controller.abort(error);
    }
  }

  /** Resolves when every call running now has answered, or after `timeoutMs`; true if all did. */
  async settled(timeoutMs: number): Promise<boolean> {
    if (this.#running.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<false>((resolve) =>
      timer = setTimeout(() => resolve(false), timeoutMs)
    );
    const all = Promise.all([...this.#running.values()].map((r) => r.done)).then(() =>
      true as const
    );
    try {
      return await Promise.race([all, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #wire(error: unknown): SerializedError {
    const hubError = toHubError(error);
    if (hubError.code === "internal") {
      // The cause stays on the spoke, in its log; only "Internal error" travels.
      this.#log?.error("Operation failed on the spoke: {message}", {
        message: hubError.message,
        error: hubError.cause ?? hubError,
      });
    }
    return {
      code: hubError.code,
      // The hub refuses a longer message as a malformed frame: the call would never be answered.
      message: hubError.message.slice(0, MAX_ERROR_MESSAGE),
      ...(hubError.details === undefined ? {} : { details: hubError.details }),
    };
  }
}

function noNestedCalls(from: string): NestedCall {
  return ((operation: string | OperationDefinition) => {
    const name = typeof operation === "string" ? operation : operation.name;
    return Promise.reject(
      new HubError(
        "unavailable",
        `Cannot call operation "${name}" from "${from}": spokes cannot make nested calls yet`,
      ),
    );
  }) as NestedCall;
}
