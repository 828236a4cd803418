import type { PubSub } from "@alkdev/pubsub";
import { KEY_REVOKED } from "../../auth/mod.ts";
import { VERSION } from "../../version.ts";
import type { HubEvents } from "../events.ts";
import { createMcpEndpoint, type McpEndpoint } from "../http/mcp/mod.ts";
import type { OperationsCore } from "../operations/mod.ts";

/** The MCP endpoint and its link to key revocations. */
export interface McpParts {
  readonly endpoint: McpEndpoint;
  close(): Promise<void>;
}

/** Creates `/mcp` over the hub's operations; a revoked key's sessions close at once. */
export function startMcp(core: OperationsCore, pubsub: PubSub<HubEvents>): McpParts {
  const endpoint = createMcpEndpoint({
    registry: core.registry,
    caller: core.caller,
    serverInfo: { name: "alk hub", version: VERSION },
  });
  const revocations = pubsub.subscribe(KEY_REVOKED);
  (async () => {
    for await (const event of revocations) await endpoint.closeKeySessions(event.payload.keyId);
  })();
  return {
    endpoint,
    async close() {
      await revocations.return();
      await endpoint.close();
    },
  };
}
