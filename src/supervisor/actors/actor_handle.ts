import { HubError } from "@hub/errors";
import type {
  ActorMethod,
  ActorRef,
  CallOptions,
  MethodArgs,
  MethodResult,
  RemoteApi,
} from "../../actors/kit.ts";
import type { WorkerLink } from "./worker_link.ts";

// deno-lint-ignore no-explicit-any
type AnyFunction = (...args: any[]) => unknown;

export type { ActorMethod, CallOptions, MethodArgs, MethodResult, RemoteApi };

/** Internal: points a handle at its worker, or says why there is none. */
export const routeCalls: unique symbol = Symbol("routeCalls");

/**
 * A typed reference to an actor that outlives its workers: after a restart it
 * points at the new worker, so callers keep one handle for the actor's life.
 *
 * ```ts
 * const handle = await system.start(coordinatorActor);
 * await handle.api.ping(); // "pong"
 * await handle.call("ping", [], { timeoutMs: 500 });
 * ```
 */
export class ActorHandle<Api> implements ActorRef<Api> {
  readonly id: string;
  readonly kind: string;
  /** `handle.api.method(...args)` is `handle.call("method", args)`. */
  readonly api: RemoteApi<Api>;
  readonly #callTimeoutMs: number;
  #link: WorkerLink | undefined;
  #unavailable = "is starting";

  constructor(id: string, kind: string, callTimeoutMs: number) {
    this.id = id;
    this.kind = kind;
    this.#callTimeoutMs = callTimeoutMs;
    const methods = new Map<string, AnyFunction>();
    this.api = new Proxy({} as RemoteApi<Api>, {
      get: (_target, method) => {
        // `then` must stay undefined, or awaiting `handle.api` would call the actor.
        if (typeof method !== "string" || method === "then") return undefined;
        let fn = methods.get(method);
        if (fn === undefined) {
          methods.set(method, fn = (...args: unknown[]) => this.#send(method, args, undefined));
        }
        return fn;
      },
    });
  }

  /** Calls `method` with `args`; rejects with the actor's HubError, `timeout` or `unavailable`. */
  call<M extends ActorMethod<Api>>(
    method: M,
    args: MethodArgs<Api, M>,
    options?: CallOptions,
  ): Promise<MethodResult<Api, M>> {
    return this.#send(method, args, options) as Promise<MethodResult<Api, M>>;
  }

  /** Internal: route calls to `link`, or reject them at once saying the worker `unavailable`. */
  [routeCalls](link: WorkerLink | undefined, unavailable = "is unavailable"): void {
    this.#link = link;
    this.#unavailable = unavailable;
  }

  #send(method: string, args: unknown[], options: CallOptions | undefined): Promise<unknown> {
    const link = this.#link;
    if (link === undefined) {
      return Promise.reject(
        new HubError("unavailable", `Cannot call actor "${this.id}": worker ${this.#unavailable}`),
      );
    }
    return link.call(method, args, options?.timeoutMs ?? this.#callTimeoutMs, options?.signal);
  }
}
