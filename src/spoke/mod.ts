/**
 * The spoke SDK: what a remote worker imports to offer operations to a hub.
 * Operations are defined with the same `defineOperation` as the hub's own;
 * the hub routes calls from its HTTP API and MCP endpoint to them.
 *
 * ```ts ignore
 * import Type from "typebox";
 * import { defineOperation } from "@alkdev/operations";
 * import { connectSpoke, reportProgress } from "./src/spoke/mod.ts";
 *
 * const build = defineOperation({
 *   name: "dev.build",
 *   kind: "mutation",
 *   description: "Builds a target",
 *   input: Type.Object({ target: Type.String() }),
 *   output: Type.Object({ ok: Type.Boolean() }),
 *   access: { scopes: ["ops:dev"] },
 *   handler: ({ target }, ctx) => {
 *     reportProgress(ctx, { step: "compile", target });
 *     return { ok: true };
 *   },
 * });
 *
 * const spoke = connectSpoke({
 *   url: "ws://127.0.0.1:3000/ws",
 *   apiKey: Deno.env.get("HUB_SPOKE_KEY")!,
 *   name: "dev-box",
 *   operations: [build],
 *   maxInFlight: 4,
 * });
 * await spoke.ready();
 * // … later
 * await spoke.close();
 * ```
 *
 * This module imports only `@alkdev/operations` and `typebox`: it never
 * imports hub code.
 *
 * @module
 */
export {
  connectSpoke,
  type ConnectSpokeOptions,
  type Spoke,
  type SpokeEvent,
  type SpokeOperation,
} from "./connect_spoke.ts";
export { reportProgress } from "./progress.ts";
export { backoffDelay, type BackoffOptions } from "./backoff.ts";
export { Outbox, type OutboxOptions } from "./outbox.ts";
export {
  type DecodedFrame,
  DEFAULT_MAX_FRAME_BYTES,
  encodeMessage,
  FrameDecoder,
  type HubMessage,
  type HubMessageMap,
  HubMessageSchemas,
  type HubMessageType,
  MAX_MESSAGES_PER_FRAME,
  MAX_OPERATIONS,
  type Message,
  PROTOCOL_VERSION,
  type SpokeMessage,
  type SpokeMessageMap,
  SpokeMessageSchemas,
  type SpokeMessageType,
  type SpokeOperationSpec,
  SpokeOperationSpecSchema,
  SUBPROTOCOL,
  WireErrorSchema,
} from "./protocol.ts";
