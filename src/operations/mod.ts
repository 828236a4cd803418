/**
 * The hub's operations library (the `@alkdev/operations` subset the hub
 * needs): typed operation definitions, a registry of where each one runs,
 * scope-based access, the call protocol over `@alkdev/pubsub`, and the closed
 * error-code set.
 *
 * ```ts
 * import Type from "typebox";
 * import { createPubSub } from "@alkdev/pubsub";
 * import {
 *   type CallEventMap,
 *   createCaller,
 *   defineOperation,
 *   OperationRegistry,
 *   serveOperations,
 * } from "@alkdev/operations";
 *
 * const add = defineOperation({
 *   name: "math.add",
 *   kind: "query",
 *   description: "Adds two numbers",
 *   input: Type.Object({ a: Type.Number(), b: Type.Number() }),
 *   output: Type.Number(),
 *   access: { scopes: ["ops:math"] },
 *   handler: ({ a, b }) => a + b,
 * });
 *
 * const pubsub = createPubSub<CallEventMap>();
 * const registry = new OperationRegistry();
 * const server = serveOperations({
 *   pubsub,
 *   registry,
 *   location: { kind: "supervisor", id: "supervisor" },
 *   operations: [add],
 * });
 * const caller = createCaller({ pubsub, registry });
 * const sum = await caller.call(add, { a: 1, b: 2 }, {
 *   identity: { scopes: ["ops"], via: "internal" },
 * });
 * console.log(sum); // 3
 * await caller.close();
 * await server.close();
 * ```
 *
 * @module
 */
export {
  deserializeError,
  ERROR_CODES,
  ERROR_MAP,
  type ErrorCode,
  type ErrorMapping,
  HubError,
  type HubErrorOptions,
  isErrorCode,
  type SerializedError,
  serializeError,
  toHubError,
} from "@hub/errors";
export {
  type AccessRule,
  checkAccess,
  type CheckAccessOptions,
  hasAccess,
  hasScope,
  type Identity,
  type IdentityVia,
  missingScopes,
} from "./access.ts";
export {
  assertValid,
  type AssertValidOptions,
  collectIssues,
  type CompiledSchema,
  compileSchema,
  type ValidationIssue,
} from "./validation.ts";
export {
  assertOperationName,
  defineOperation,
  isOperationDefinition,
  OPERATION_KINDS,
  OPERATION_NAME_PATTERN,
  type OperationConfig,
  type OperationDefinition,
  type OperationKind,
  type OperationSpec,
  toJsonSchema,
} from "./define_operation.ts";
export type {
  NestedCall,
  NestedCallOptions,
  OperationContext,
  OperationInput,
  OperationLog,
  OperationOutput,
} from "./context.ts";
export {
  LOCATION_KINDS,
  type LocationKind,
  type OperationLocation,
  OperationRegistry,
  type OperationRegistryOptions,
  type RegisteredOperation,
  type RegistryChange,
  type RegistryListener,
} from "./registry.ts";
export {
  CALL_EVENTS,
  type CallAborted,
  type CallAbortReason,
  type CallErrored,
  type CallEventMap,
  CallEventSchemas,
  type CallEventType,
  type CallRequested,
  type CallResponded,
  isCallEvent,
  RequestIdSchema,
} from "./protocol.ts";
export { type Caller, type CallerOptions, type CallOptions, createCaller } from "./caller.ts";
export { type CallEnd, callEnd, type CallEndStatus, type CallObserver } from "./observer.ts";
export type { LocalDispatch, LocalRun } from "./local_dispatch.ts";
export { type ServedOperations, serveOperations, type ServeOperationsOptions } from "./executor.ts";
export { PendingRequestMap } from "./pending_request_map.ts";
export { listen, type Listening, type ListenOptions } from "./listen.ts";
