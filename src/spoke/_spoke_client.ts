/**
 * `SpokeClient`: the state machine behind `connectSpoke`. Each step of a
 * spoke's life is one method — connect, answer the welcome, register, run
 * calls, back off after a lost connection, leave gracefully, finish — and
 * each state change happens in exactly one of them:
 *
 * ```text
 * connecting ──registered──▶ registered ──link lost──▶ reconnecting ──registered──▶ registered
 *      │                          │                     (backoff, then a new link)
 *      └──────── close() ─────────┴──────────▶ closing ──link closed──▶ closed
 * a refusal the hub would repeat, or a lost link with `reconnect: false` ──▶ closed
 * ```
 *
 * One connection's own state (socket, outbox, heartbeat) lives in a
 * {@linkcode HubLink}; the calls in {@linkcode SpokeCalls}.
 *
 * @module
 */
import type { OperationDefinition, OperationLog } from "@alkdev/operations";
import { deserializeError, HubError } from "@hub/errors";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { CallAnswers } from "./_call_answers.ts";
import { SpokeCalls } from "./_calls.ts";
import { HubLink } from "./_hub_link.ts";
import {
  FrameDecoder,
  type HubMessage,
  type HubMessageMap,
  HubMessageSchemas,
  PROTOCOL_VERSION,
  type SpokeMessageMap,
} from "./protocol.ts";
import type { Spoke, SpokeEvent } from "./types.ts";

/** A spoke's options, checked and with their defaults (see `connectSpoke`). */
export interface SpokeConfig {
  name: string;
  /** The WebSocket URL of the hub's `/ws`. */
  url: string;
  apiKey: string;
  auth: "header" | "frame";
  /** The register frame, sent after every welcome. */
  register: SpokeMessageMap["register"];
  operations: ReadonlyMap<string, OperationDefinition>;
  reconnect: BackoffOptions | false;
  closeTimeoutMs: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  signal?: AbortSignal;
  log?: OperationLog;
  onEvent?: (event: SpokeEvent) => void;
}

type SpokeState = Spoke["state"];

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

// Close codes after which reconnecting cannot help: the key or the registration is refused.
const FATAL_CODES = new Set([4400, 4401, 4403, 4409]);
// Refusals of a registration that a retry would meet again.
const FATAL_ERRORS = new Set(["unauthorized", "forbidden", "bad_request", "conflict"]);
// How long a graceful close waits for the hub to answer its close frame.
const CLOSE_HANDSHAKE_MS = 2_000;
// How long calls aborted at the end of a graceful close get to send their answer.
const ABORTED_CALLS_MS = 1_000;

/** One spoke: connects, registers, runs calls, reconnects, closes. */
export class SpokeClient implements Spoke {
  readonly #config: SpokeConfig;
  readonly #decoder: FrameDecoder<HubMessage>;
  readonly #calls: SpokeCalls;
  readonly #answers: CallAnswers;
  readonly #stopped = Promise.withResolvers<void>();
  #state: SpokeState = "connecting";
  /** The current connection; undefined while backing off and once closed. */
  #link: HubLink | undefined;
  #spokeId: string | undefined;
  /** Reconnect attempts since the last registration (the backoff's exponent). */
  #attempt = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Why the spoke stopped for good, when the hub refused it. */
  #fatal: HubError | undefined;
  #waiters: Waiter[] = [];
  #leaving: Promise<void> | undefined;

  /** Starts connecting at once, unless `config.signal` is already aborted. */
  constructor(config: SpokeConfig) {
    this.#config = config;
    this.#decoder = new FrameDecoder<HubMessage>(HubMessageSchemas, config.maxFrameBytes);
    this.#calls = new SpokeCalls(config.operations, config.log);
    // Answers go to whichever connection is current when the call ends.
    this.#answers = new CallAnswers({
      push: (message) => this.#link?.push(message) ?? false,
      maxFrameBytes: config.maxFrameBytes,
      log: config.log,
    });
    if (config.signal?.aborted) {
      this.#state = "closed";
      this.#stopped.resolve();
      return;
    }
    config.signal?.addEventListener("abort", this.#onAbort, { once: true });
    this.#connect();
  }

  get state(): SpokeState {
    return this.#state;
  }

  get spokeId(): string | undefined {
    return this.#spokeId;
  }

  get running(): number {
    return this.#calls.size;
  }

  get closed(): Promise<void> {
    return this.#stopped.promise;
  }

  // Arrow properties: the object `connectSpoke` returned before this class had methods that
  // worked when taken off it (`const { ready, close } = spoke`); these still do.
  readonly ready = (): Promise<void> => {
    if (this.#state === "registered") return Promise.resolve();
    if (this.#state === "closed" || this.#state === "closing") {
      return Promise.reject(this.#fatal ?? this.#closedError());
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  };

  readonly close = (options: { timeoutMs?: number } = {}): Promise<void> => {
    this.#leaving ??= this.#leave(options.timeoutMs ?? this.#config.closeTimeoutMs);
    return this.#leaving;
  };

  readonly #onAbort = () => void this.close();

  /** Opens a new connection; the hub's welcome starts the registration. */
  #connect(): void {
    const config = this.#config;
    const link: HubLink = new HubLink({
      url: config.url,
      apiKey: config.apiKey,
      auth: config.auth,
      decoder: this.#decoder,
      maxFrameBytes: config.maxFrameBytes,
      maxBufferedBytes: config.maxBufferedBytes,
      log: config.log,
      onMessage: (message) => this.#onMessage(link, message),
      onClose: (code, reason) => this.#onLinkClosed(link, code, reason),
    });
    this.#link = link;
  }

  #onMessage(link: HubLink, message: HubMessage): void {
    if (link !== this.#link) return; // a late frame of a connection already dropped
    switch (message.type) {
      case "welcome":
        return this.#onWelcome(link, message.payload);
      case "registered":
        return this.#onRegistered(message.payload);
      case "call.requested":
        return this.#onCallRequested(message.id, message.payload);
      case "call.aborted":
        return this.#calls.abort(message.payload.requestId, message.payload.reason);
      case "error":
        return this.#onHubError(link, message.id, message.payload);
      case "heartbeat":
      case "subscribed":
      case "unsubscribed":
      case "event":
        return;
    }
  }

  #onWelcome(link: HubLink, welcome: HubMessageMap["welcome"]): void {
    if (welcome.protocol !== PROTOCOL_VERSION) {
      this.#fatal = new HubError(
        "bad_request",
        `Cannot connect spoke: hub speaks protocol ${welcome.protocol}`,
      );
      return link.close(1000, "protocol mismatch");
    }
    link.startHeartbeat(welcome.heartbeatIntervalMs, welcome.heartbeatTimeoutMs);
    link.send("register", "register", this.#config.register);
  }

  #onRegistered(registered: HubMessageMap["registered"]): void {
    // An answer to the register sent before close(): the spoke is leaving all the same.
    if (this.#state === "closing" || this.#state === "closed") return;
    this.#state = "registered";
    this.#spokeId = registered.spokeId;
    this.#attempt = 0;
    this.#config.log?.info("Spoke {name} registered as {spokeId}", {
      name: this.#config.name,
      spokeId: registered.spokeId,
    });
    this.#emit({
      type: "registered",
      spokeId: registered.spokeId,
      operations: registered.operations,
    });
    this.#settleWaiters();
  }

  #onCallRequested(id: string, request: HubMessageMap["call.requested"]): void {
    if (this.#state === "closing") {
      return this.#answers.failed(id, {
        code: "unavailable",
        message:
          `Cannot call operation "${request.operation}": spoke "${this.#config.name}" is closing`,
      });
    }
    this.#calls.start(request, this.#answers);
  }

  #onHubError(link: HubLink, id: string, payload: HubMessageMap["error"]): void {
    const error = deserializeError(payload as never);
    this.#emit({ type: "error", error });
    this.#config.log?.warn("Hub refused: {message}", { message: error.message, code: error.code });
    if (id !== "register" && id !== "auth") return;
    if (FATAL_ERRORS.has(error.code)) {
      // A refused registration or key will be refused again: stop, do not hammer the hub.
      this.#fatal = error;
      link.close(1000, "refused");
    } else {
      link.drop(1013, "registration failed; retrying"); // e.g. the hub is stopping
    }
  }

  /** The current connection closed: stop its calls, then reconnect or finish. */
  #onLinkClosed(link: HubLink, code: number, reason: string): void {
    if (link !== this.#link) return;
    this.#link = undefined;
    this.#spokeId = undefined;
    // The hub has failed these calls already; stop their work.
    this.#calls.abortAll(
      new HubError("unavailable", "Cannot finish call: the connection to the hub was lost"),
    );
    this.#emit({ type: "disconnected", code, reason });
    if (FATAL_CODES.has(code)) this.#fatal ??= closeError(code, reason);
    const leaving = this.#state === "closing" || this.#state === "closed";
    if (leaving || this.#fatal || this.#config.reconnect === false) {
      return this.#finish(this.#fatal);
    }
    this.#backOff(code);
  }

  /** Waits a growing, jittered delay, then connects again. */
  #backOff(code: number): void {
    this.#state = "reconnecting";
    const delayMs = backoffDelay(this.#attempt, this.#config.reconnect || {});
    this.#attempt += 1;
    this.#emit({ type: "reconnecting", attempt: this.#attempt, delayMs });
    this.#config.log?.info("Spoke {name} lost the hub ({code}); reconnecting in {delayMs} ms", {
      name: this.#config.name,
      code,
      delayMs,
    });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#state === "reconnecting") this.#connect();
    }, delayMs);
  }

  /** Tells the hub, lets running calls finish (aborting them after `timeoutMs`), closes. */
  async #leave(timeoutMs: number): Promise<void> {
    if (this.#state === "closed") return;
    const link = this.#link;
    this.#state = "closing";
    clearTimeout(this.#reconnectTimer);
    if (!link?.open) {
      link?.close(1000, "spoke closing");
      return this.#finish();
    }
    link.send("close", "close", { reason: "spoke closing" });
    if (!(await this.#calls.settled(timeoutMs))) {
      this.#calls.abortAll(
        new HubError("unavailable", `Spoke "${this.#config.name}" closed before the call ended`),
      );
      await this.#calls.settled(ABORTED_CALLS_MS);
    }
    link.flush();
    link.close(1000, "spoke closed");
    // The close event finishes; a hub that never answers the close must not hold us.
    let fallback: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#stopped.promise,
      new Promise((resolve) => fallback = setTimeout(resolve, CLOSE_HANDSHAKE_MS)),
    ]);
    clearTimeout(fallback); // or it keeps the process alive for 2 s more
    this.#finish();
  }

  /** Stops for good: no more reconnects, waiters rejected, `closed` resolved. */
  #finish(error?: HubError): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    clearTimeout(this.#reconnectTimer);
    this.#link?.stopHeartbeat();
    this.#config.signal?.removeEventListener("abort", this.#onAbort);
    if (error) this.#emit({ type: "error", error });
    this.#emit({ type: "closed" });
    this.#settleWaiters(error ?? this.#closedError());
    this.#stopped.resolve();
  }

  #settleWaiters(error?: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) error === undefined ? waiter.resolve() : waiter.reject(error);
  }

  #emit(event: SpokeEvent): void {
    try {
      this.#config.onEvent?.(event);
    } catch (error) {
      this.#config.log?.error("Spoke event listener failed: {error}", { error });
    }
  }

  #closedError(): HubError {
    return new HubError("unavailable", `Spoke "${this.#config.name}" is closed`);
  }
}

function closeError(code: number, reason: string): HubError {
  const errorCode = code === 4401 ? "unauthorized" : code === 4403 ? "forbidden" : "bad_request";
  return new HubError(errorCode, `Hub closed the connection: ${reason || code}`);
}
