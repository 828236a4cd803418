/** The small query the benchmarks call (operation, MCP, spokes): the same everywhere, so their numbers compare. */
import Type from "typebox";
import { defineOperation } from "@alkdev/operations";

/** A typical small query (validated input and output, a literal union) named `name`. */
export const smallQuery = (name: string, scope: string) =>
  defineOperation({
    name,
    kind: "query",
    description: "A typical small query",
    input: Type.Object({ sessionId: Type.String(), depth: Type.Integer({ minimum: 0 }) }),
    output: Type.Object({
      sessionId: Type.String(),
      state: Type.Union([Type.Literal("idle"), Type.Literal("busy")]),
      tags: Type.Array(Type.String()),
    }),
    access: { scopes: [scope] },
    handler: ({ sessionId }) => ({ sessionId, state: "idle" as const, tags: ["a", "b", "c"] }),
  });

/** `coord.status`, the operation and MCP benchmarks' query. */
export const statusOperation = smallQuery("coord.status", "ops:coord");

/** The input every benchmark call sends. */
export const STATUS_INPUT = { sessionId: "0f8fad5b-d9cb-469f-a165-70867728950e", depth: 3 };
