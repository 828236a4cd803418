/** The small query the operation and MCP benchmarks call: the same in both, so their numbers compare. */
import Type from "typebox";
import { defineOperation } from "@alkdev/operations";

/** `coord.status`: a typical small query (validated input and output, a literal union). */
export const statusOperation = defineOperation({
  name: "coord.status",
  kind: "query",
  description: "A typical small query",
  input: Type.Object({ sessionId: Type.String(), depth: Type.Integer({ minimum: 0 }) }),
  output: Type.Object({
    sessionId: Type.String(),
    state: Type.Union([Type.Literal("idle"), Type.Literal("busy")]),
    tags: Type.Array(Type.String()),
  }),
  access: { scopes: ["ops:coord"] },
  handler: ({ sessionId }) => ({ sessionId, state: "idle" as const, tags: ["a", "b", "c"] }),
});

/** The input every benchmark call sends. */
export const STATUS_INPUT = { sessionId: "0f8fad5b-d9cb-469f-a165-70867728950e", depth: 3 };
