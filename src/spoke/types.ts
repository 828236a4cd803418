/**
 * What a spoke's user sees: the options of `connectSpoke`, the spoke it
 * returns and the events it reports.
 *
 * @module
 */
import type { OperationDefinition, OperationLog } from "@alkdev/operations";
import type { HubError } from "@hub/errors";
import type { BackoffOptions } from "./backoff.ts";

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

/** Options of `connectSpoke`. */
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

/**
 * A connected (or reconnecting) spoke. Its state moves
 * `connecting` → `registered` ⇄ `reconnecting` (backing off, then connecting
 * again) and, from any of them, → `closing` → `closed`; a refusal the hub
 * would repeat (a bad key, a conflicting registration) goes to `closed` at once.
 */
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
