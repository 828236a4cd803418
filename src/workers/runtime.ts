import { expose, transferHandlers } from "comlink";
import { createPubSub, createWorkerThreadEventTarget } from "@alkdev/pubsub";
import { serializeError } from "@hub/errors";
import { logger, setupLogging } from "../logging/mod.ts";
import type { ActorContext, ActorFactory } from "./actor_context.ts";
import type { ActorReport, ControlMessage, InitMessage, RemoteError } from "./protocol.ts";

/** The parts of a worker's global scope the runtime uses. */
interface WorkerScope {
  postMessage(message: ActorReport): void;
  close(): void;
  onmessage: ((event: MessageEvent<ControlMessage>) => void) | null;
  addEventListener(type: "error", listener: (event: ErrorEvent) => void): void;
  addEventListener(
    type: "unhandledrejection",
    listener: (event: PromiseRejectionEvent) => void,
  ): void;
}

/**
 * Boots an actor inside a Worker. Call it at the top level of the entry file,
 * before any top-level `await`: it registers the message handler
 * synchronously, and a message that arrives before a handler exists is lost.
 *
 * ```ts
 * runActor((ctx) => ({ ping: () => "pong" as const }));
 * ```
 */
export function runActor<Api extends object, Options = unknown>(
  factory: ActorFactory<Api, Options>,
): void {
  const scope = self as unknown as WorkerScope;
  const closeWorker = scope.close.bind(scope);
  const controller = new AbortController();
  const stopHooks: Array<() => void | Promise<void>> = [];
  let phase: "startup" | "running" = "startup";
  let closing = false;
  let log = logger("actor");

  // Every way out reports first: `self.close()` raises no event in the parent
  // and a crashed worker's ErrorEvent.error is null there.
  const leave = (report: ActorReport) => {
    if (closing) return;
    closing = true;
    scope.postMessage(report);
    closeWorker();
  };
  const fatal = (error: unknown) => leave({ type: "fatal", phase, error: serializeError(error) });
  scope.close = () => leave({ type: "closing", reason: "self" });
  scope.addEventListener("error", (event) => {
    event.preventDefault();
    fatal(event.error ?? new Error(event.message));
  });
  scope.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    fatal(event.reason);
  });

  const stop = async () => {
    controller.abort(new DOMException("Actor is stopping", "AbortError"));
    for (const hook of stopHooks) {
      try {
        await hook();
      } catch (error) {
        log.error("Cannot run stop hook: {error}", { error });
      }
    }
    leave({ type: "closing", reason: "stop" });
  };

  const boot = async (init: InitMessage) => {
    // A method's throw keeps its HubError code across comlink (see RemoteError).
    const comlinkThrow = transferHandlers.get("throw")!;
    transferHandlers.set("throw", {
      canHandle: comlinkThrow.canHandle,
      serialize: (thrown) => {
        const value: RemoteError = {
          hubError: serializeError((thrown as { value: unknown }).value),
        };
        return [{ isError: false, value }, []];
      },
      deserialize: comlinkThrow.deserialize,
    });
    setInterval(() => scope.postMessage({ type: "heartbeat" }), init.heartbeatIntervalMs);
    await setupLogging({ ...init.logging, properties: { actorId: init.actorId } });
    log = logger("actor", init.kind);
    const events = createWorkerThreadEventTarget(init.ports.events, {
      onDrop: (reason, info) =>
        log.warn("Dropped a pubsub message ({reason}): {detail}", { reason, detail: info.detail }),
    });
    const ctx: ActorContext<Options> = {
      actorId: init.actorId,
      kind: init.kind,
      options: init.options as Options,
      signal: controller.signal,
      logger: log,
      pubsub: createPubSub({ eventTarget: events }),
      events,
      onStop: (hook) => void stopHooks.push(hook),
    };
    const api = await factory(ctx);
    expose(api, init.ports.rpc);
    phase = "running";
    scope.postMessage({ type: "ready" });
  };

  let booted = false;
  scope.onmessage = (event) => {
    const message = event.data;
    switch (message.type) {
      case "init":
        if (booted) return;
        booted = true;
        boot(message).catch(fatal);
        break;
      case "stop":
        void stop();
        break;
    }
  };
}
