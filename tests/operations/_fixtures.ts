/**
 * Operations and a wired-up hub-in-miniature (pubsub, registry, executor,
 * caller) shared by the operations and call-graph tests.
 *
 * @module
 */
import Type from "typebox";
import { createPubSub, type PubSub } from "@alkdev/pubsub";
import {
  type Caller,
  type CallEventMap,
  createCaller,
  defineOperation,
  type Identity,
  type OperationDefinition,
  type OperationLocation,
  OperationRegistry,
  type ServedOperations,
  serveOperations,
} from "@alkdev/operations";
import { HubError } from "@hub/errors";

export const admin: Identity = { keyId: "key-admin", scopes: ["admin"], via: "internal" };
export const opsUser: Identity = { keyId: "key-ops", scopes: ["ops"], via: "http" };
export const nobody: Identity = { keyId: "key-none", scopes: ["llm"], via: "http" };

export const echo = defineOperation({
  name: "test.echo",
  kind: "query",
  description: "Returns its input's text",
  input: Type.Object({ text: Type.String(), count: Type.Optional(Type.Integer({ minimum: 0 })) }),
  output: Type.Object({ text: Type.String() }),
  access: { scopes: ["ops:test"] },
  handler: ({ text }) => ({ text }),
});

export const badOutput = defineOperation({
  name: "test.bad_output",
  kind: "query",
  description: "Returns a value its own output schema refuses",
  input: Type.Object({}),
  output: Type.Object({ n: Type.Number() }),
  access: { scopes: [] },
  handler: () => ({ n: "secret-value" }) as unknown as { n: number },
});

export const refuses = defineOperation({
  name: "test.refuses",
  kind: "mutation",
  description: "Throws a HubError conflict",
  input: Type.Object({}),
  output: Type.Null(),
  access: { scopes: [] },
  handler: () => {
    throw new HubError("conflict", "Cannot refuse: already refused", { details: { why: "test" } });
  },
});

export const crashes = defineOperation({
  name: "test.crashes",
  kind: "mutation",
  description: "Throws a plain Error",
  input: Type.Object({}),
  output: Type.Null(),
  access: { scopes: [] },
  handler: () => {
    throw new Error("database password is hunter2");
  },
});

/** Resolves when its signal aborts; reports the abort reason through `onAbort`. */
export function waitsForAbort(onAbort: (reason: unknown) => void): OperationDefinition {
  return defineOperation({
    name: "test.waits",
    kind: "query",
    description: "Never answers on its own",
    input: Type.Object({}),
    output: Type.Null(),
    access: { scopes: [] },
    handler: (_input, ctx) =>
      new Promise<null>((resolve) => {
        ctx.signal.addEventListener("abort", () => {
          onAbort(ctx.signal.reason);
          resolve(null);
        }, { once: true });
      }),
  });
}

/** Calls `test.echo` and `test.child` (which calls echo again) as nested calls. */
export const parent = defineOperation({
  name: "test.parent",
  kind: "query",
  description: "Calls children",
  input: Type.Object({ fail: Type.Optional(Type.Boolean()) }),
  output: Type.Object({ ids: Type.Array(Type.String()) }),
  access: { scopes: [] },
  handler: async (input, ctx) => {
    const first = await ctx.call(echo, { text: "a" });
    const second = await ctx.call("test.child", { fail: input.fail ?? false });
    return { ids: [first.text, ...(second as { ids: string[] }).ids, ctx.requestId] };
  },
});

export const child = defineOperation({
  name: "test.child",
  kind: "query",
  description: "Calls echo, then fails when asked",
  input: Type.Object({ fail: Type.Boolean() }),
  output: Type.Object({ ids: Type.Array(Type.String()) }),
  access: { scopes: [] },
  handler: async (input, ctx) => {
    await ctx.call(echo, { text: "b" });
    if (input.fail) throw new HubError("upstream_error", "Cannot finish child: upstream failed");
    return { ids: [ctx.requestId, ctx.parentRequestId ?? "", ctx.rootRequestId] };
  },
});

/** A pubsub, a registry, an executor at `location` and a caller over them. */
export interface Rig {
  pubsub: PubSub<CallEventMap>;
  registry: OperationRegistry;
  server: ServedOperations;
  caller: Caller;
  close(): Promise<void>;
}

export const SUPERVISOR: OperationLocation = { kind: "supervisor", id: "supervisor" };

/** Wires `operations` at the supervisor location over an in-process pubsub. */
export function rig(operations: readonly OperationDefinition[]): Rig {
  const pubsub = createPubSub<CallEventMap>();
  const registry = new OperationRegistry();
  const server = serveOperations({ pubsub, registry, location: SUPERVISOR, operations });
  const caller = createCaller({ pubsub, registry });
  return {
    pubsub,
    registry,
    server,
    caller,
    async close() {
      await caller.close();
      await server.close();
    },
  };
}
