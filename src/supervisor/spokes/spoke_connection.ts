/**
 * One spoke socket on the hub: authentication (header or first `auth`
 * frame), frame limits and offences, registration, heartbeats, call answers
 * and event subscriptions. Dispatch itself is the {@linkcode RunnerPool}'s.
 *
 * @module
 */
import { listen, type Listening, type OperationLog } from "@alkdev/operations";
import {
  ERROR_MAP,
  type ErrorCode,
  HubError,
  isErrorCode,
  type SerializedError,
  toHubError,
} from "@hub/errors";
import type { PubSub } from "@alkdev/pubsub";
import { REVOKED_KEY_MESSAGE, type VerifiedApiKey } from "../../auth/mod.ts";
import {
  encodeMessage,
  type FrameDecoder,
  type HubMessageMap,
  type HubMessageType,
  Outbox,
  PROTOCOL_VERSION,
  type SpokeMessage,
} from "../../spoke/mod.ts";
import type { HubEvents } from "../events.ts";
import { parseTopics } from "../http/routes/topic_access.ts";
import type { Runner, RunnerPool } from "./runner_pool.ts";
import { checkRegistration } from "./registration.ts";

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly pool: RunnerPool;
  readonly pubsub: PubSub<HubEvents>;
  readonly decoder: FrameDecoder<SpokeMessage>;
  readonly log: OperationLog;
  readonly settings: ConnectionSettings;
  verify(apiKey: string): Promise<VerifiedApiKey>;
  /** The key's metadata (for `spokeNamespaces`). */
  metadata(keyId: string): Promise<Record<string, unknown>>;
  registryCheck: Omit<Parameters<typeof checkRegistration>[1], "scopes" | "metadata">;
  /** The connection is gone. */
  forget(connection: SpokeConnection): void;
  /** True when `keyId` was revoked since this hub started listening (bounded memory). */
  revoked(keyId: string): boolean;
  /** Admits a key that authenticated with its first frame (scope, per-key cap); throws if refused. */
  admit(key: VerifiedApiKey): () => void;
  count(counter: "malformed" | "oversized" | "slowConsumer" | "unknownResults"): void;
}

/** Limits and timings of one connection. */
export interface ConnectionSettings {
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  authTimeoutMs: number;
  maxFrameBytes: number;
  maxBufferedBytes: number;
  /** Malformed frames tolerated before the socket is closed with 4400. */
  maxOffences: number;
  /** Event subscriptions per connection. */
  maxSubscriptions: number;
}

/** What `GET /api/v1/spokes` shows of a connection. */
export interface SpokeInfo {
  id: string;
  name: string;
  version: string;
  keyId: string;
  connectedAt: string;
  state: "registered" | "draining";
  maxInFlight: number;
  inFlight: number;
  operations: string[];
  remoteAddress?: string;
}

/** How a connection starts: authenticated by its upgrade request, or not yet. */
export interface ConnectionStart {
  /** The key of the upgrade's `Authorization` header, already admitted. */
  key?: VerifiedApiKey;
  /** Gives the admitted key's socket lease back. */
  release?: () => void;
  remoteAddress?: string;
}

type State = "authenticating" | "open" | "registering" | "registered" | "draining" | "closed";

/** One spoke (or event client) connection. */
export class SpokeConnection implements Runner {
  readonly id = crypto.randomUUID();
  readonly connectedAt = Date.now();
  readonly #ws: WebSocket;
  readonly #host: ConnectionHost;
  readonly #outbox: Outbox;
  readonly #remoteAddress?: string;
  readonly #subscriptions = new Map<string, Listening>();
  #key?: VerifiedApiKey;
  #state: State = "authenticating";
  #offences = 0;
  #authTimer?: ReturnType<typeof setTimeout>;
  #release?: () => void;
  name = "";
  version = "";
  maxInFlight = 1;
  inFlight = 0;
  draining = false;
  lastSeen = Date.now();

  constructor(ws: WebSocket, host: ConnectionHost, start: ConnectionStart = {}) {
    const { key } = start;
    this.#ws = ws;
    this.#host = host;
    this.#remoteAddress = start.remoteAddress;
    this.#release = start.release;
    this.#outbox = new Outbox(ws, {
      maxBufferedBytes: host.settings.maxBufferedBytes,
      maxFrameBytes: host.settings.maxFrameBytes,
      onSlowConsumer: () => {
        host.count("slowConsumer");
        host.log.warn("Dropped spoke {name} ({id}): slow consumer", {
          name: this.name,
          id: this.id,
        });
        // A peer that does not read will not finish the close handshake either:
        // its calls fail now, and no new call is sent into the void.
        this.#onClosed();
      },
    });
    ws.addEventListener("open", () => {
      if (key) this.#authenticated(key);
      else {
        this.#authTimer = setTimeout(
          () => this.close("unauthorized", "no auth frame within the deadline"),
          host.settings.authTimeoutMs,
        );
      }
    });
    ws.addEventListener("message", (event) => this.#onFrame(event.data));
    ws.addEventListener("close", () => this.#onClosed());
    ws.addEventListener("error", () => {}); // the close event follows; nothing to report twice
  }

  get #closed(): boolean {
    return this.#state === "closed";
  }

  /** The verified key, once authenticated. */
  get keyId(): string | undefined {
    return this.#key?.id;
  }

  /** True once the connection's key has passed its expiry. */
  keyExpired(now: number): boolean {
    const expiresAt = this.#key?.expiresAt;
    return expiresAt != null && expiresAt.getTime() <= now;
  }

  /** True once the spoke has registered its operations (and until it leaves). */
  get registered(): boolean {
    return this.#state === "registered" || this.#state === "draining";
  }

  info(): SpokeInfo {
    return {
      id: this.id,
      name: this.name,
      version: this.version,
      keyId: this.#key?.id ?? "",
      connectedAt: new Date(this.connectedAt).toISOString(),
      state: this.#state === "draining" ? "draining" : "registered",
      maxInFlight: this.maxInFlight,
      inFlight: this.inFlight,
      operations: this.#host.pool.operationsOf(this),
      ...(this.#remoteAddress ? { remoteAddress: this.#remoteAddress } : {}),
    };
  }

  send<K extends HubMessageType>(type: K, id: string, payload: HubMessageMap[K]): boolean {
    return this.#outbox.push(encodeMessage(type, id, payload));
  }

  sendFrame(frame: string): boolean {
    return this.#outbox.push(frame);
  }

  /**
   * Closes with the close code mapped from `code`. Its calls fail at once: a
   * dead peer may never finish the close handshake.
   */
  close(code: ErrorCode | "normal" | "going_away", reason: string): void {
    const wsCode = code === "normal"
      ? 1000
      : code === "going_away"
      ? 1001
      : ERROR_MAP[code].wsClose;
    this.#outbox.flush();
    try {
      // A close reason is at most 123 UTF-8 bytes.
      const short = new TextEncoder().encode(reason).length > 123 ? reason.slice(0, 40) : reason;
      this.#ws.close(wsCode, short);
    } catch { /* already closed */ }
    this.#onClosed();
  }

  #authenticated(key: VerifiedApiKey): void {
    clearTimeout(this.#authTimer);
    // Verified before a revocation that arrived while this socket was opening or the
    // verification ran: the revocation listener could not see this connection's key yet.
    if (this.#host.revoked(key.id)) {
      this.#key = key;
      return this.close("unauthorized", REVOKED_KEY_MESSAGE);
    }
    this.#key = key;
    this.#state = "open";
    const { settings } = this.#host;
    this.send("welcome", "", {
      protocol: PROTOCOL_VERSION,
      keyId: key.id,
      scopes: [...key.scopes],
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      heartbeatTimeoutMs: settings.heartbeatTimeoutMs,
      maxFrameBytes: settings.maxFrameBytes,
    });
  }

  #error(id: string, error: HubError): void {
    const payload: SerializedError = { code: error.code, message: error.message };
    if (error.details) payload.details = error.details;
    this.send("error", id, payload);
  }

  #onFrame(data: unknown): void {
    this.lastSeen = Date.now();
    if (this.#state === "closed") return;
    const decoded = this.#host.decoder.decode(data);
    if (!decoded.ok) {
      if (decoded.oversized) {
        this.#host.count("oversized");
        this.#host.log.warn("Closing spoke connection {id}: {reason}", {
          id: this.id,
          reason: decoded.reason,
        });
        return this.close("payload_too_large", decoded.reason);
      }
      return this.#offence(decoded.reason, decoded.id ?? "");
    }
    for (const message of decoded.messages) {
      if (this.#closed) return; // a message before this one closed the connection
      try {
        this.#onMessage(message);
      } catch (error) {
        this.#error(message.id, toHubError(error));
      }
    }
  }

  #offence(reason: string, id: string): void {
    this.#host.count("malformed");
    this.#offences += 1;
    this.#error(id, new HubError("bad_request", `Cannot read frame: ${reason}`));
    if (this.#offences >= this.#host.settings.maxOffences) {
      this.#host.log.warn("Closing spoke connection {id}: {count} malformed frames", {
        id: this.id,
        count: this.#offences,
      });
      this.close("bad_request", "too many malformed frames");
    }
  }

  #onMessage(message: SpokeMessage): void {
    if (this.#state === "authenticating") {
      if (message.type !== "auth") return this.close("unauthorized", "authenticate first");
      clearTimeout(this.#authTimer);
      this.#state = "open"; // no second auth while this one runs
      this.#host.verify(message.payload.apiKey).then(
        (key) => {
          if (this.#ws.readyState !== WebSocket.OPEN) return;
          this.#release = this.#host.admit(key);
          this.#authenticated(key);
        },
      ).catch(
        (error) => {
          const hubError = toHubError(error);
          this.#error(message.id, hubError);
          // A refusal keeps its code (4401, 4403, 4429); anything else is the hub's trouble.
          const refusal = ["unauthorized", "forbidden", "rate_limited"].includes(hubError.code);
          this.close(refusal ? hubError.code : "unavailable", hubError.message);
        },
      );
      return;
    }
    if (message.type === "auth") {
      throw new HubError("bad_request", "Cannot authenticate: already authenticated");
    }
    if (this.#key === undefined) {
      throw new HubError("unauthorized", `Cannot handle "${message.type}": wait for welcome`);
    }
    switch (message.type) {
      case "register":
        return this.#register(message.id, message.payload);
      case "heartbeat":
        this.send("heartbeat", message.id, { at: Date.now() });
        return;
      case "call.responded":
        return this.#host.pool.settle(this, message.payload.requestId, {
          output: message.payload.output,
        });
      case "call.error": {
        const { code, message: text, details } = message.payload.error;
        // A code outside the closed set is a spoke's bug: it reaches callers as `internal`.
        const error: SerializedError = isErrorCode(code)
          ? { code, message: text, ...(details === undefined ? {} : { details }) }
          : { code: "internal", message: text };
        return this.#host.pool.settle(this, message.payload.requestId, { error });
      }
      case "call.progress": {
        const { requestId, progress } = message.payload;
        if (!this.#host.pool.runs(this, requestId)) return this.#host.count("unknownResults");
        this.#host.pubsub.publish("call.progress", requestId, { requestId, progress });
        return;
      }
      case "subscribe":
        return this.#subscribe(message.id, message.payload.topic);
      case "unsubscribe": {
        const topic = message.payload.topic;
        void this.#subscriptions.get(topic)?.close();
        this.#subscriptions.delete(topic);
        this.send("unsubscribed", message.id, { topic });
        return;
      }
      case "close":
        if (this.#state === "registered") {
          this.#state = "draining";
          this.#host.pool.drain(this);
          this.#host.log.info("Spoke {name} ({id}) is draining: {reason}", {
            name: this.name,
            id: this.id,
            reason: message.payload.reason ?? "closing",
          });
        }
        return;
    }
  }

  #register(id: string, payload: Extract<SpokeMessage, { type: "register" }>["payload"]): void {
    if (this.#state !== "open") {
      throw new HubError("conflict", `Cannot register spoke "${payload.name}": already registered`);
    }
    const key = this.#key!;
    this.#state = "registering";
    this.#host.metadata(key.id).then((metadata) => {
      if (this.#state !== "registering") return; // closed meanwhile
      const operations = checkRegistration(payload, {
        ...this.#host.registryCheck,
        scopes: key.scopes,
        metadata,
      });
      this.name = payload.name;
      this.version = payload.version;
      this.maxInFlight = payload.maxInFlight;
      this.#host.pool.add(this, operations);
      this.#state = "registered";
      this.send("registered", id, {
        spokeId: this.id,
        operations: operations.map((op) => op.spec.name),
      });
      this.#host.log.info("Spoke {name} {version} ({id}) registered {count} operations", {
        name: this.name,
        version: this.version,
        id: this.id,
        keyId: key.id,
        count: operations.length,
      });
    }).catch((error) => {
      if (this.#state !== "registering") return;
      const hubError = toHubError(error);
      this.#state = "open"; // it may try again with other operations
      this.#host.log.warn("Refused registration of spoke {name}: {message}", {
        name: payload.name,
        keyId: key.id,
        message: hubError.message,
      });
      this.#error(id, hubError);
    });
  }

  #subscribe(id: string, topic: string): void {
    const [parsed] = parseTopics([topic], this.#key!.scopes);
    if (this.#subscriptions.has(topic)) return void this.send("subscribed", id, { topic });
    if (this.#subscriptions.size >= this.#host.settings.maxSubscriptions) {
      throw new HubError(
        "bad_request",
        `Cannot subscribe to "${topic}": at most ${this.#host.settings.maxSubscriptions} subscriptions`,
      );
    }
    const subscription = listen(this.#host.pubsub, parsed.type, (event) => {
      this.send("event", event.id, { type: event.type, id: event.id, payload: event.payload });
    }, { ...(parsed.id === undefined ? {} : { id: parsed.id }), log: this.#host.log });
    this.#subscriptions.set(topic, subscription);
    this.send("subscribed", id, { topic });
  }

  #onClosed(): void {
    if (this.#state === "closed") return;
    const wasRegistered = this.registered;
    this.#state = "closed";
    clearTimeout(this.#authTimer);
    this.#release?.();
    for (const subscription of this.#subscriptions.values()) void subscription.close();
    this.#subscriptions.clear();
    this.#host.pool.remove(this, this.draining ? "closed" : "disconnected");
    this.#host.forget(this);
    if (wasRegistered) {
      this.#host.log.info("Spoke {name} ({id}) left", { name: this.name, id: this.id });
    }
  }
}
