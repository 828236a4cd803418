/**
 * What a handler receives besides its input, and the nested-call function it
 * uses to call other operations as part of its own call.
 *
 * @module
 */
import type { Static, TSchema } from "typebox";
import type { Identity } from "./access.ts";
import type { OperationDefinition } from "./define_operation.ts";

/** The logger shape a handler may be given (a logtape `Logger` fits). */
export interface OperationLog {
  debug(message: string, properties?: Record<string, unknown>): void;
  info(message: string, properties?: Record<string, unknown>): void;
  warn(message: string, properties?: Record<string, unknown>): void;
  error(message: string, properties?: Record<string, unknown>): void;
}

/** The input type of an operation definition. */
export type OperationInput<D> = D extends OperationDefinition<infer I extends TSchema, TSchema>
  ? Static<I>
  : never;

/** The output type of an operation definition. */
export type OperationOutput<D> = D extends OperationDefinition<TSchema, infer O extends TSchema>
  ? Static<O>
  : never;

/** Options of a nested call; identity, parent, root and signal come from the context. */
export interface NestedCallOptions {
  /** At most the time left to the parent's deadline. */
  timeoutMs?: number;
  /** Aborts this child only; the parent's signal aborts it too. */
  signal?: AbortSignal;
}

/**
 * Calls another operation as a child of the current call: the caller's
 * identity, `parentRequestId`, the root id, the remaining deadline and the
 * abort signal carry over, so the call graph links the two.
 */
export interface NestedCall {
  <D extends OperationDefinition>(
    operation: D,
    input: OperationInput<D>,
    options?: NestedCallOptions,
  ): Promise<OperationOutput<D>>;
  (operation: string, input: unknown, options?: NestedCallOptions): Promise<unknown>;
}

/** The second argument of every handler. */
export interface OperationContext {
  readonly requestId: string;
  readonly parentRequestId?: string;
  /** The id of the outermost call of this tree (equal to `requestId` at the top). */
  readonly rootRequestId: string;
  readonly identity: Identity;
  /** Aborted by `call.aborted`, by the deadline, or when the executor closes. */
  readonly signal: AbortSignal;
  /** Epoch ms after which the caller no longer waits. */
  readonly deadline: number;
  readonly call: NestedCall;
  readonly log?: OperationLog;
}
