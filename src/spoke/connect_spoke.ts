/**
 * `connectSpoke`: connects to a hub's `/ws`, registers operations defined
 * with `defineOperation`, runs the calls the hub sends, keeps the connection
 * alive with heartbeats, reconnects with backoff and re-registers, and closes
 * gracefully.
 *
 * @module
 */
import {
  isOperationDefinition,
  type OperationDefinition,
  type OperationLog,
} from "@alkdev/operations";
import { deserializeError, HubError } from "@hub/errors";
import { backoffDelay, type BackoffOptions } from "./backoff.ts";
import { SpokeCalls } from "./_calls.ts";
import { Outbox } from "./outbox.ts";
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeMessage,
  FrameDecoder,
  type HubMessage,
  HubMessageSchemas,
  MAX_IN_FLIGHT,
  PROTOCOL_VERSION,
  type SpokeMessageMap,
  type SpokeMessageType,
  type SpokeOperationSpec,
  SUBPROTOCOL,
} from "./protocol.ts";

/** An operation with its dispatch hints. */
export interface SpokeOperation {
  operation: OperationDefinition;
  /** Calls of this operation at once (within the spoke's `maxInFlight`). */
  maxInFlight?: number;
  /** Safe to run twice: retried once on another spoke if this one drops mid-call. */
  idempotent?: boolean;
}

/** What happens to a spoke, for logs and tests. */
export type SpokeEvent =
  | { type: "registered"; spokeId: string; operations: string[] }
  | { type: "disconnected"; code: number; reason: string }
  | { type: "reconnecting"; attempt: number; delayMs: number }
  | { type: "error"; error: HubError }
  | { type: "closed" };

/** Options of {@linkcode connectSpoke}. */
export interface ConnectSpokeOptions {
  /** The hub's WebSocket URL (`ws://host:port/ws`); `http(s)://host:port` gets `/ws` added. */
  url: string | URL;
  apiKey: string;
  /** Shown in `GET /api/v1/spokes` and the hub's logs. */
  name: string;
  version?: string;
  operations: readonly (OperationDefinition | SpokeOperation)[];
  /** Calls this spoke runs at once, over all its operations; default 16. */
  maxInFlight?: number;
  /** Aborting it closes the spoke gracefully. */
  signal?: AbortSignal;
  /** `"header"` (default): `Authorization` at the upgrade; `"frame"`: a first `auth` frame. */
  auth?: "header" | "frame";
  /** Reconnect delays; `false` stops at the first disconnect. */
  reconnect?: BackoffOptions | false;
  /** How long a graceful close waits for running calls; default 10 000 ms. */
  closeTimeoutMs?: number;
  /** Must equal the hub's limit (1 MiB by default). */
  maxFrameBytes?: number;
  /** Unsent bytes before the hub counts as a slow reader; default 4 MiB. */
  maxBufferedBytes?: number;
  log?: OperationLog;
  onEvent?: (event: SpokeEvent) => void;
}

/** A connected (or reconnecting) spoke. */
export interface Spoke {
  readonly state: "connecting" | "registered" | "reconnecting" | "closing" | "closed";
  /** The id the hub gave the current connection. */
  readonly spokeId: string | undefined;
  /** Calls running now. */
  readonly running: number;
  /** Resolves when registered (now, or at the next registration); rejects if the spoke stops. */
  ready(): Promise<void>;
  /** Tells the hub, finishes running calls (aborting them after `timeoutMs`), closes. */
  close(options?: { timeoutMs?: number }): Promise<void>;
  /** Resolves once the spoke has stopped for good. */
  readonly closed: Promise<void>;
}

// Close codes after which reconnecting cannot help: the key or the registration is refused.
const FATAL_CODES = new Set([4400, 4401, 4403, 4409]);
// Refusals of a registration that a retry would meet again.
const FATAL_ERRORS = new Set(["unauthorized", "forbidden", "bad_request", "conflict"]);
const SPOKE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
// A `maxInFlight` outside the protocol's bounds makes the register frame malformed, and the
// hub closes the connection for good.
function isInFlightLimit(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_IN_FLIGHT;
}

function wsUrl(url: string | URL): string {
  const parsed = new URL(url);
  if (parsed.protocol === "http:" || parsed.protocol === "https:") {
    parsed.protocol = parsed.protocol === "http:" ? "ws:" : "wss:";
    if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/ws";
  }
  return parsed.href;
}

function specOf(entry: SpokeOperation): SpokeOperationSpec {
  return {
    ...(entry.operation.spec as unknown as SpokeOperationSpec),
    ...(entry.maxInFlight === undefined ? {} : { maxInFlight: entry.maxInFlight }),
    ...(entry.idempotent === undefined ? {} : { idempotent: entry.idempotent }),
  };
}

/** Connects a spoke; returns at once (see `ready()`). Misuse throws TypeError. */
export function connectSpoke(options: ConnectSpokeOptions): Spoke {
  if (!SPOKE_NAME.test(options.name)) {
    throw new TypeError(
      `Invalid spoke name ${JSON.stringify(options.name)}: expected letters, digits and _ . : @ -`,
    );
  }
  const entries = options.operations.map((entry) =>
    isOperationDefinition(entry) ? { operation: entry } : entry
  );
  const byName = new Map(entries.map((entry) => [entry.operation.name, entry.operation]));
  if (byName.size !== entries.length) {
    throw new TypeError(`Cannot connect spoke "${options.name}": duplicate operation names`);
  }
  for (const entry of entries) {
    if (entry.maxInFlight !== undefined && !isInFlightLimit(entry.maxInFlight)) {
      throw new TypeError(
        `Cannot connect spoke "${options.name}": maxInFlight ${entry.maxInFlight} of operation ` +
          `"${entry.operation.name}" must be an integer from 1 to ${MAX_IN_FLIGHT}`,
      );
    }
  }
  if (options.maxInFlight !== undefined && !isInFlightLimit(options.maxInFlight)) {
    throw new TypeError(
      `Cannot connect spoke "${options.name}": maxInFlight ${options.maxInFlight} must be an ` +
        `integer from 1 to ${MAX_IN_FLIGHT}`,
    );
  }
  const url = wsUrl(options.url);
  const maxInFlight = options.maxInFlight ?? 16;
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const register: SpokeMessageMap["register"] = {
    protocol: PROTOCOL_VERSION,
    name: options.name,
    version: options.version ?? "0.0.0",
    maxInFlight,
    operations: entries.map(specOf),
  };
  const decoder = new FrameDecoder<HubMessage>(HubMessageSchemas, maxFrameBytes);
  const calls = new SpokeCalls(byName, options.log);
  const log = options.log;

  let state: Spoke["state"] = "connecting";
  let spokeId: string | undefined;
  let ws: WebSocket | undefined;
  let outbox: Outbox | undefined;
  let attempt = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let lastSeen = Date.now();
  let fatal: HubError | undefined;
  let waiters: { resolve(): void; reject(error: unknown): void }[] = [];
  const stopped = Promise.withResolvers<void>();

  const emit = (event: SpokeEvent) => {
    try {
      options.onEvent?.(event);
    } catch (error) {
      log?.error("Spoke event listener failed: {error}", { error });
    }
  };
  const send = <K extends SpokeMessageType>(type: K, id: string, payload: SpokeMessageMap[K]) =>
    outbox?.push(encodeMessage(type, id, payload)) ?? false;
  // The hub closes the whole connection (1009) on a frame above its limit, failing every
  // call of the spoke: a message that cannot fit must not be sent.
  // Queues `message` unless it cannot fit in one frame; says whether it was queued.
  const pushIfFits = (message: string) => {
    const fits = message.length * 3 <= maxFrameBytes ||
      (message.length <= maxFrameBytes &&
        new TextEncoder().encode(message).length <= maxFrameBytes);
    if (fits) outbox?.push(message);
    return fits;
  };
  const sink = {
    responded: (requestId: string, output: unknown) => {
      if (pushIfFits(encodeMessage("call.responded", requestId, { requestId, output }))) return;
      log?.warn("Output of call {requestId} exceeds {max} bytes: answering payload_too_large", {
        requestId,
        max: maxFrameBytes,
      });
      sink.failed(requestId, {
        code: "payload_too_large",
        message: `Cannot answer call: its output exceeds the ${maxFrameBytes}-byte frame limit`,
      });
    },
    failed: (requestId: string, error: HubError | { code: string; message: string }) =>
      void send("call.error", requestId, { requestId, error }),
    progress: (requestId: string, progress: unknown) => {
      if (pushIfFits(encodeMessage("call.progress", requestId, { requestId, progress }))) return;
      log?.warn("Dropped progress of call {requestId}: it exceeds {max} bytes", {
        requestId,
        max: maxFrameBytes,
      });
    },
  };

  const settleWaiters = (error?: unknown) => {
    const pending = waiters;
    waiters = [];
    for (const waiter of pending) error === undefined ? waiter.resolve() : waiter.reject(error);
  };

  const onMessage = (message: HubMessage) => {
    switch (message.type) {
      case "welcome":
        if (message.payload.protocol !== PROTOCOL_VERSION) {
          fatal = new HubError(
            "bad_request",
            `Cannot connect spoke: hub speaks protocol ${message.payload.protocol}`,
          );
          return ws?.close(1000, "protocol mismatch");
        }
        startHeartbeat(message.payload.heartbeatIntervalMs, message.payload.heartbeatTimeoutMs);
        send("register", "register", register);
        return;
      case "registered":
        // An answer to the register sent before close(): the spoke is leaving all the same.
        if (state === "closing" || state === "closed") return;
        state = "registered";
        spokeId = message.payload.spokeId;
        attempt = 0;
        log?.info("Spoke {name} registered as {spokeId}", { name: options.name, spokeId });
        emit({ type: "registered", spokeId, operations: message.payload.operations });
        settleWaiters();
        return;
      case "call.requested":
        if (state === "closing") {
          return sink.failed(message.id, {
            code: "unavailable",
            message:
              `Cannot call operation "${message.payload.operation}": spoke "${options.name}" is closing`,
          });
        }
        return calls.start(message.payload, sink);
      case "call.aborted":
        return calls.abort(message.payload.requestId, message.payload.reason);
      case "error": {
        const error = deserializeError(message.payload as never);
        emit({ type: "error", error });
        log?.warn("Hub refused: {message}", { message: error.message, code: error.code });
        if (message.id === "register" || message.id === "auth") {
          if (FATAL_ERRORS.has(error.code)) {
            // A refused registration or key will be refused again: stop, do not hammer the hub.
            fatal = error;
            ws?.close(1000, "refused");
          } else if (ws) {
            drop(ws, 1013, "registration failed; retrying"); // e.g. the hub is stopping
          }
        }
        return;
      }
      case "heartbeat":
      case "subscribed":
      case "unsubscribed":
      case "event":
        return;
    }
  };

  const startHeartbeat = (intervalMs: number, timeoutMs: number) => {
    clearInterval(heartbeat);
    heartbeat = setInterval(() => {
      if (Date.now() - lastSeen > timeoutMs) {
        log?.warn("No word from the hub for {ms} ms: reconnecting", { ms: timeoutMs });
        if (ws) drop(ws, 4408, "heartbeat timeout");
        return;
      }
      send("heartbeat", String(Date.now()), { at: Date.now() });
    }, intervalMs);
  };

  const connect = () => {
    const socket = options.auth === "frame"
      ? new WebSocket(url, [SUBPROTOCOL])
      : new WebSocket(url, {
        protocols: [SUBPROTOCOL],
        headers: { authorization: `Bearer ${options.apiKey}` },
      });
    ws = socket;
    outbox = new Outbox(socket, {
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
      maxFrameBytes,
    });
    socket.addEventListener("open", () => {
      lastSeen = Date.now();
      if (options.auth === "frame") send("auth", "auth", { apiKey: options.apiKey });
    });
    socket.addEventListener("message", (event) => {
      lastSeen = Date.now();
      const decoded = decoder.decode(event.data);
      if (!decoded.ok) {
        log?.warn("Ignoring a bad frame from the hub: {reason}", { reason: decoded.reason });
        return;
      }
      for (const message of decoded.messages) onMessage(message);
    });
    socket.addEventListener("error", () => {}); // the close event follows
    socket.addEventListener("close", (event) => onClose(socket, event.code, event.reason));
  };

  // A dead peer may never finish the close handshake: treat the socket as gone now.
  const drop = (socket: WebSocket, code: number, reason: string) => {
    try {
      socket.close(code === 1013 || code === 4408 ? 1000 : code, reason);
    } catch { /* already closed */ }
    onClose(socket, code, reason);
  };

  const onClose = (socket: WebSocket, code: number, reason: string) => {
    if (socket !== ws) return;
    clearInterval(heartbeat);
    ws = undefined;
    outbox = undefined;
    spokeId = undefined;
    // The hub has failed these calls already; stop their work.
    calls.abortAll(
      new HubError("unavailable", "Cannot finish call: the connection to the hub was lost"),
    );
    emit({ type: "disconnected", code, reason });
    if (FATAL_CODES.has(code)) {
      fatal ??= new HubError(
        code === 4401 ? "unauthorized" : code === 4403 ? "forbidden" : "bad_request",
        `Hub closed the connection: ${reason || code}`,
      );
    }
    if (state === "closing" || state === "closed" || fatal || options.reconnect === false) {
      return finish(fatal);
    }
    state = "reconnecting";
    const delayMs = backoffDelay(attempt, options.reconnect || {});
    attempt += 1;
    emit({ type: "reconnecting", attempt, delayMs });
    log?.info("Spoke {name} lost the hub ({code}); reconnecting in {delayMs} ms", {
      name: options.name,
      code,
      delayMs,
    });
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      if (state === "reconnecting") connect();
    }, delayMs);
  };

  const finish = (error?: HubError) => {
    if (state === "closed") return;
    state = "closed";
    clearTimeout(reconnectTimer);
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onAbort);
    if (error) emit({ type: "error", error });
    emit({ type: "closed" });
    settleWaiters(error ?? new HubError("unavailable", `Spoke "${options.name}" is closed`));
    stopped.resolve();
  };

  let closing: Promise<void> | undefined;
  const close = (closeOptions: { timeoutMs?: number } = {}) => {
    closing ??= (async () => {
      if (state === "closed") return;
      const socket = ws;
      state = "closing";
      clearTimeout(reconnectTimer);
      if (!socket || socket.readyState !== WebSocket.OPEN) {
        socket?.close(1000, "spoke closing");
        return finish();
      }
      send("close", "close", { reason: "spoke closing" });
      const timeoutMs = closeOptions.timeoutMs ?? options.closeTimeoutMs ?? 10_000;
      if (!(await calls.settled(timeoutMs))) {
        calls.abortAll(
          new HubError("unavailable", `Spoke "${options.name}" closed before the call ended`),
        );
        await calls.settled(1_000);
      }
      outbox?.flush();
      socket.close(1000, "spoke closed");
      // The close event finishes; a hub that never answers the close must not hold us.
      let fallback: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([stopped.promise, new Promise((r) => fallback = setTimeout(r, 2_000))]);
      clearTimeout(fallback); // or it keeps the process alive for 2 s more
      finish();
    })();
    return closing;
  };

  const onAbort = () => void close();
  if (options.signal?.aborted) {
    state = "closed";
    stopped.resolve();
  } else {
    options.signal?.addEventListener("abort", onAbort, { once: true });
    connect();
  }

  return {
    get state() {
      return state;
    },
    get spokeId() {
      return spokeId;
    },
    get running() {
      return calls.size;
    },
    ready() {
      if (state === "registered") return Promise.resolve();
      if (state === "closed" || state === "closing") {
        return Promise.reject(
          fatal ?? new HubError("unavailable", `Spoke "${options.name}" is closed`),
        );
      }
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close,
    closed: stopped.promise,
  };
}
