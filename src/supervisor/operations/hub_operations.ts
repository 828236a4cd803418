import Type from "typebox";
import { defineOperation, type OperationRegistry, RequestIdSchema } from "@alkdev/operations";
import { HubError } from "@hub/errors";
import type { CallGraphStore } from "../../graph/mod.ts";
import { VERSION } from "../../version.ts";
import type { ActorSystem } from "../actors/mod.ts";

const ActorStateSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  state: Type.String(),
  restarts: Type.Integer(),
  pendingCalls: Type.Integer(),
  lastError: Type.Optional(Type.String()),
});

/** What `hub.status` and `calls.get` read. */
export interface HubOperationDeps {
  actors: ActorSystem;
  registry: OperationRegistry;
  calls: CallGraphStore;
  startedAt: number;
}

/** `hub.status` (any key) and `calls.get` (`ops`). */
export function hubOperations(deps: HubOperationDeps) {
  return [
    defineOperation({
      name: "hub.status",
      kind: "query",
      description: "The hub's version, uptime, actors and the number of operations it knows.",
      input: Type.Object({}, { additionalProperties: false }),
      output: Type.Object({
        version: Type.String(),
        uptimeMs: Type.Integer(),
        actors: Type.Array(ActorStateSchema),
        operations: Type.Integer(),
      }),
      access: { scopes: [] },
      handler: () => ({
        version: VERSION,
        uptimeMs: Math.round(performance.now() - deps.startedAt),
        actors: deps.actors.snapshot(),
        operations: deps.registry.list().length,
      }),
    }),
    defineOperation({
      name: "calls.get",
      kind: "query",
      description: "A call from the call graph, with its subtree of nested calls.",
      // No control characters: PostgreSQL refuses NUL, which would be a 500, not a 400.
      input: Type.Object({ requestId: RequestIdSchema }, {
        additionalProperties: false,
      }),
      output: Type.Object({
        call: Type.Record(Type.String(), Type.Unknown()),
        children: Type.Array(Type.Unknown()),
        truncated: Type.Optional(Type.Boolean()),
      }),
      access: { scopes: ["ops"] },
      handler: async ({ requestId }) => {
        const tree = await deps.calls.getCall(requestId);
        if (!tree) throw new HubError("not_found", `Cannot find call "${requestId}"`);
        return tree as never;
      },
    }),
  ];
}
