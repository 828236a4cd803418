/**
 * `connectSpoke`: connects to a hub's `/ws`, registers operations defined
 * with `defineOperation`, runs the calls the hub sends, keeps the connection
 * alive with heartbeats, reconnects with backoff and re-registers, and closes
 * gracefully. This file checks the options; `_spoke_client.ts` is the state
 * machine that does the rest.
 *
 * @module
 */
import { isOperationDefinition } from "@alkdev/operations";
import { SpokeClient, type SpokeConfig } from "./_spoke_client.ts";
import {
  DEFAULT_MAX_FRAME_BYTES,
  MAX_IN_FLIGHT,
  PROTOCOL_VERSION,
  type SpokeOperationSpec,
} from "./protocol.ts";
import type { ConnectSpokeOptions, Spoke, SpokeOperation } from "./types.ts";

export type { ConnectSpokeOptions, Spoke, SpokeEvent, SpokeOperation } from "./types.ts";

const SPOKE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;

/** Connects a spoke; returns at once (see `ready()`). Misuse throws TypeError. */
export function connectSpoke(options: ConnectSpokeOptions): Spoke {
  return new SpokeClient(spokeConfig(options));
}

/** Checks `options` (throwing TypeError) and fills in the defaults. */
function spokeConfig(options: ConnectSpokeOptions): SpokeConfig {
  if (!SPOKE_NAME.test(options.name)) {
    throw new TypeError(
      `Invalid spoke name ${JSON.stringify(options.name)}: expected letters, digits and _ . : @ -`,
    );
  }
  const entries: SpokeOperation[] = options.operations.map((entry) =>
    isOperationDefinition(entry) ? { operation: entry } : entry
  );
  const operations = new Map(entries.map((entry) => [entry.operation.name, entry.operation]));
  if (operations.size !== entries.length) {
    throw new TypeError(`Cannot connect spoke "${options.name}": duplicate operation names`);
  }
  checkInFlightLimits(options, entries);
  const maxInFlight = options.maxInFlight ?? 16;
  return {
    name: options.name,
    url: wsUrl(options.url),
    apiKey: options.apiKey,
    auth: options.auth ?? "header",
    register: {
      protocol: PROTOCOL_VERSION,
      name: options.name,
      version: options.version ?? "0.0.0",
      maxInFlight,
      operations: entries.map(specOf),
    },
    operations,
    reconnect: options.reconnect ?? {},
    closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
}

// A `maxInFlight` outside the protocol's bounds makes the register frame malformed, and the
// hub closes the connection for good: refuse it here, where the caller can see why.
function checkInFlightLimits(options: ConnectSpokeOptions, entries: SpokeOperation[]): void {
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
}

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
