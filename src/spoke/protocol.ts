/**
 * The spoke wire protocol, version 1: what a spoke and the hub say to each
 * other over the `/ws` WebSocket. Shared by the hub and the spoke SDK; a spoke
 * in another language follows `docs/protocol.md`, which documents the same
 * messages.
 *
 * A frame is one JSON text: a message, or an array of 1–256 messages (a sender
 * may batch what it produced at once). A message is an `EventEnvelope`:
 * `{ "type": "<literal>", "id": "<correlation id>", "payload": {...} }`.
 *
 * @module
 */
import Type, { type Static, type TSchema } from "typebox";
import { CallEventSchemas, type CompiledSchema, compileSchema } from "@alkdev/operations";

/** The protocol version this code speaks. */
export const PROTOCOL_VERSION = 1;
/** The WebSocket subprotocol a client may ask for; the hub echoes it. */
export const SUBPROTOCOL = "alk.hub.v1";
/** Default bound on one frame (UTF-8 bytes); bigger frames close the socket with 1009. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
/** Most messages in one frame. */
export const MAX_MESSAGES_PER_FRAME = 256;
/** Most operations one spoke may register. */
export const MAX_OPERATIONS = 256;

const Id = Type.String({ maxLength: 256 });
const RequestId = Type.String({ minLength: 1, maxLength: 128 });
const Name = Type.String({ minLength: 1, maxLength: 128 });
/** Largest `maxInFlight` (spoke-wide or per operation) a register frame may carry. */
export const MAX_IN_FLIGHT = 100_000;
const Limit = Type.Integer({ minimum: 1, maximum: MAX_IN_FLIGHT });

/** Longest error message on the wire (UTF-16 units); a longer one makes its frame malformed. */
export const MAX_ERROR_MESSAGE = 8192;

/** A hub error on the wire: a closed-set code, a message, optional details. */
export const WireErrorSchema = Type.Object({
  code: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: MAX_ERROR_MESSAGE }),
  details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

/** One operation a spoke offers: an `OperationSpec` plus dispatch hints. */
export const SpokeOperationSpecSchema = Type.Object({
  name: Name,
  kind: Type.String(),
  description: Type.String(),
  input: Type.Object({}),
  output: Type.Object({}),
  access: Type.Object({ scopes: Type.Array(Type.String()) }),
  /** Calls of this operation the spoke runs at once (within the spoke's own maxInFlight). */
  maxInFlight: Type.Optional(Limit),
  /** Safe to run twice: a call cut off by a disconnect is retried once on another spoke. */
  idempotent: Type.Optional(Type.Boolean()),
});
/** One operation a spoke offers. */
export type SpokeOperationSpec = Static<typeof SpokeOperationSpecSchema>;

/** Payload schemas of the messages a spoke sends. */
export const SpokeMessageSchemas = {
  /** First frame when the upgrade carried no `Authorization` header. */
  auth: Type.Object({ apiKey: Type.String({ minLength: 1, maxLength: 512 }) }),
  register: Type.Object({
    protocol: Type.Integer(),
    name: Type.String({ minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9][A-Za-z0-9_.:@-]*$" }),
    version: Type.String({ maxLength: 64 }),
    /** Calls the spoke runs at once, over all its operations. */
    maxInFlight: Limit,
    operations: Type.Array(SpokeOperationSpecSchema, { maxItems: MAX_OPERATIONS }),
  }),
  heartbeat: Type.Object({ at: Type.Optional(Type.Number()) }),
  "call.responded": CallEventSchemas["call.responded"],
  "call.error": Type.Object({ requestId: RequestId, error: WireErrorSchema }),
  "call.progress": Type.Object({ requestId: RequestId, progress: Type.Unknown() }),
  subscribe: Type.Object({ topic: Type.String({ minLength: 1, maxLength: 400 }) }),
  unsubscribe: Type.Object({ topic: Type.String({ minLength: 1, maxLength: 400 }) }),
  /** Graceful close: no new calls; the spoke finishes (or aborts) what runs, then closes 1000. */
  close: Type.Object({ reason: Type.Optional(Type.String({ maxLength: 256 })) }),
};

/** Payload schemas of the messages the hub sends. */
export const HubMessageSchemas = {
  welcome: Type.Object({
    protocol: Type.Integer(),
    keyId: Type.String(),
    scopes: Type.Array(Type.String()),
    heartbeatIntervalMs: Type.Integer(),
    heartbeatTimeoutMs: Type.Integer(),
    maxFrameBytes: Type.Integer(),
  }),
  registered: Type.Object({ spokeId: Type.String(), operations: Type.Array(Type.String()) }),
  heartbeat: Type.Object({ at: Type.Number() }),
  "call.requested": CallEventSchemas["call.requested"],
  "call.aborted": CallEventSchemas["call.aborted"],
  subscribed: Type.Object({ topic: Type.String() }),
  unsubscribed: Type.Object({ topic: Type.String() }),
  event: Type.Object({ type: Type.String(), id: Type.String(), payload: Type.Unknown() }),
  error: WireErrorSchema,
};

type Schemas<S extends Record<string, TSchema>> = { [K in keyof S]: Static<S[K]> };
/** Type → payload of spoke → hub messages. */
export type SpokeMessageMap = Schemas<typeof SpokeMessageSchemas>;
/** Type → payload of hub → spoke messages. */
export type HubMessageMap = Schemas<typeof HubMessageSchemas>;
/** A spoke → hub message type. */
export type SpokeMessageType = keyof SpokeMessageMap;
/** A hub → spoke message type. */
export type HubMessageType = keyof HubMessageMap;

/** One message: an envelope whose `type` is a literal of the map. */
export type Message<M, K extends keyof M = keyof M> = K extends keyof M
  ? { readonly type: K; readonly id: string; readonly payload: M[K] }
  : never;
/** A spoke → hub message. */
export type SpokeMessage = Message<SpokeMessageMap>;
/** A hub → spoke message. */
export type HubMessage = Message<HubMessageMap>;

const EnvelopeSchema = Type.Object({ type: Type.String({ maxLength: 64 }), id: Id });
const envelopeGuard = compileSchema(EnvelopeSchema, "message envelope");

function compileAll<S extends Record<string, TSchema>>(schemas: S): Record<string, CompiledSchema> {
  const out: Record<string, CompiledSchema> = {};
  for (const [type, schema] of Object.entries(schemas)) {
    out[type] = compileSchema(schema, `"${type}" payload schema`);
  }
  return out;
}

/** The outcome of decoding one frame. */
export type DecodedFrame<M> =
  | { readonly ok: true; readonly messages: M[] }
  | {
    readonly ok: false;
    readonly oversized: boolean;
    readonly reason: string;
    /** The id of the offending message, when its envelope was readable. */
    readonly id?: string;
  };

/** Decodes frames of one direction: size first, then JSON, then each envelope and payload. */
export class FrameDecoder<M extends { type: string }> {
  readonly #guards: Record<string, CompiledSchema>;
  readonly #maxBytes: number;

  constructor(schemas: Record<string, TSchema>, maxBytes: number) {
    this.#guards = compileAll(schemas);
    this.#maxBytes = maxBytes;
  }

  /** Decodes `data` (a text frame); every message must be valid, or the frame is refused. */
  decode(data: unknown): DecodedFrame<M> {
    if (typeof data !== "string") {
      const bytes = data instanceof ArrayBuffer ? data.byteLength : 0;
      return { ok: false, oversized: bytes > this.#maxBytes, reason: "frame is not text" };
    }
    // A UTF-16 unit is 1–3 UTF-8 bytes: length decides most frames without encoding them.
    if (
      data.length > this.#maxBytes ||
      (data.length * 3 > this.#maxBytes && new TextEncoder().encode(data).length > this.#maxBytes)
    ) {
      return { ok: false, oversized: true, reason: `frame exceeds ${this.#maxBytes} bytes` };
    }
    let value: unknown;
    try {
      value = JSON.parse(data);
    } catch {
      return { ok: false, oversized: false, reason: "frame is not JSON" };
    }
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || list.length > MAX_MESSAGES_PER_FRAME) {
      return {
        ok: false,
        oversized: false,
        reason: `frame must hold 1 to ${MAX_MESSAGES_PER_FRAME} messages`,
      };
    }
    for (const message of list) {
      const reason = this.#check(message);
      if (reason) {
        const id = envelopeGuard.Check(message) ? (message as { id: string }).id : undefined;
        return { ok: false, oversized: false, reason, ...(id === undefined ? {} : { id }) };
      }
    }
    return { ok: true, messages: list as M[] };
  }

  #check(message: unknown): string | undefined {
    if (!envelopeGuard.Check(message)) {
      return "message is not an envelope { type, id, payload }";
    }
    const { type, payload } = message as { type: string; payload: unknown };
    const guard = Object.hasOwn(this.#guards, type) ? this.#guards[type] : undefined;
    if (!guard) return `unknown message type "${type}"`;
    if (!guard.Check(payload)) {
      const [first] = guard.Errors(payload);
      return `invalid "${type}" payload: ${first?.instancePath || "/"} ${first?.message ?? ""}`
        .trim();
    }
    return undefined;
  }
}

/** Encodes one message (the envelope only: no class instances, no undefined payload). */
export function encodeMessage(type: string, id: string, payload: unknown): string {
  return JSON.stringify({ type, id, payload });
}
