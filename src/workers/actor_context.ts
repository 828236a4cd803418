import type { PubSub, PubSubTransport } from "@alkdev/pubsub";
import type { Logger } from "../logging/mod.ts";

/** What the runtime hands an actor's factory: identity, options, logging and lifecycle. */
export interface ActorContext<Options = unknown> {
  /** Unique within the actor system (`"coordinator"`, `"session-42"`). */
  readonly actorId: string;
  /** The behaviour this worker runs (`"coordinator"`, `"llm-proxy"`). */
  readonly kind: string;
  /** The definition's `options`, structured-cloned into the worker. */
  readonly options: Options;
  /** Aborts when the supervisor asks the actor to stop. */
  readonly signal: AbortSignal;
  /** Category `["hub", "actor", kind]`; every record carries `actorId`. */
  readonly logger: Logger;
  /**
   * The hub's pubsub, seen from this actor: what it publishes reaches every
   * subscriber in the hub, and it receives what the hub publishes on topics it
   * subscribed to (nothing else crosses the link).
   */
  readonly pubsub: PubSub<Record<string, unknown>>;
  /** The link under `pubsub`: `sync()` resolves once the hub has seen everything sent so far. */
  readonly events: PubSubTransport;
  /** Runs `hook` on a graceful stop, before the worker closes. */
  onStop(hook: () => void | Promise<void>): void;
}

/** Builds an actor's API; a throw or rejection makes the spawn fail. */
export type ActorFactory<Api extends object, Options = unknown> = (
  ctx: ActorContext<Options>,
) => Api | Promise<Api>;
