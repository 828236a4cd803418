/**
 * The actor kit: what an actor's `mod.ts` needs to describe itself to the
 * supervisor — its {@linkcode ActorDefinition} and the type of its typed
 * handle — without importing the supervisor. Below both `src/actors/` and
 * `src/supervisor/actors/` (which implements {@linkcode ActorRef}).
 *
 * ```ts ignore
 * import type { ActorDefinition, ActorRef } from "../kit.ts";
 * export type EchoHandle = ActorRef<EchoApi>;
 * export const echoActor: ActorDefinition<EchoApi> = {
 *   kind: "echo",
 *   entry: new URL("../../workers/echo.ts", import.meta.url),
 * };
 * ```
 *
 * @module
 */

declare const apiType: unique symbol;

/** What to spawn: a behaviour (`kind`) run by a module Worker entry file. */
export interface ActorDefinition<Api> {
  kind: string;
  /** Unique within the system; the kind by default (singletons such as the coordinator). */
  id?: string;
  /** The module worker file that calls `runActor`. */
  entry: URL;
  /** Structured-cloned into the worker as `ctx.options`. */
  options?: unknown;
  /** Type-only: carries `Api` so `start(def)` returns a typed handle. Never set. */
  readonly [apiType]?: Api;
}

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

/** The names of `Api`'s methods. */
export type ActorMethod<Api> =
  & { [K in keyof Api]: Api[K] extends AnyFunction ? K : never }[keyof Api]
  & string;

/** The parameters of method `M`. */
export type MethodArgs<Api, M extends keyof Api> = Api[M] extends (...args: infer A) => unknown ? A
  : never;

/** What a call to method `M` resolves to. */
export type MethodResult<Api, M extends keyof Api> = Api[M] extends (...args: never[]) => infer R
  ? Awaited<R>
  : never;

/** `Api` as seen from the supervisor: every method returns a promise (generic methods lose their type parameters). */
export type RemoteApi<Api> = {
  readonly [M in ActorMethod<Api>]: (...args: MethodArgs<Api, M>) => Promise<MethodResult<Api, M>>;
};

/** Per-call options. */
export interface CallOptions {
  /** The call's deadline; the system's `callTimeoutMs` by default. */
  timeoutMs?: number;
  /** Rejects the call with `aborted` (the actor's work is not cancelled). */
  signal?: AbortSignal;
}

/** A typed reference to a running actor, as the supervisor's `ActorHandle` implements it. */
export interface ActorRef<Api> {
  readonly id: string;
  readonly kind: string;
  /** `ref.api.method(...args)` is `ref.call("method", args)`. */
  readonly api: RemoteApi<Api>;
  /** Calls `method` with `args`; rejects with the actor's HubError, `timeout` or `unavailable`. */
  call<M extends ActorMethod<Api>>(
    method: M,
    args: MethodArgs<Api, M>,
    options?: CallOptions,
  ): Promise<MethodResult<Api, M>>;
}
