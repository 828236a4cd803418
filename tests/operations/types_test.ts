/**
 * Type tests: each `@ts-expect-error` line must fail `deno check`; if the
 * public types loosen, the directive itself becomes the error.
 *
 * @module
 */
import assert from "node:assert/strict";
import Type from "typebox";
import { createPubSub, type PubSub } from "@alkdev/pubsub";
import {
  type Caller,
  type CallEventMap,
  defineOperation,
  type OperationDefinition,
  type OperationInput,
  type OperationOutput,
} from "@alkdev/operations";

const input = Type.Object({ name: Type.String(), age: Type.Optional(Type.Integer()) });
const output = Type.Object({ greeting: Type.String() });
const base = {
  name: "types.greet",
  kind: "query" as const,
  description: "",
  input,
  output,
  access: { scopes: [] },
};

Deno.test("operation types are inferred from the schemas", () => {
  const greet = defineOperation({
    ...base,
    handler: (value) => {
      const name: string = value.name;
      const age: number | undefined = value.age;
      // @ts-expect-error the input has no such field
      value.missing;
      return { greeting: `hi ${name} ${age ?? ""}` };
    },
  });

  // Never run: these definitions exist for the type checker only.
  const misuse = () => {
    defineOperation({
      ...base,
      // @ts-expect-error the handler returns the wrong shape
      handler: () => ({ greeting: 42 }),
    });

    defineOperation({
      ...base,
      // @ts-expect-error an async handler resolving to the wrong shape
      handler: () => Promise.resolve({ salutation: "hi" }),
    });

    defineOperation({
      ...base,
      // @ts-expect-error kind is a closed set
      kind: "stream",
      handler: () => ({ greeting: "x" }),
    });
  };

  // Every definition fits where any definition is expected (lists of them, serveOperations).
  const list: OperationDefinition[] = [greet];

  type In = OperationInput<typeof greet>;
  type Out = OperationOutput<typeof greet>;
  const okIn: In = { name: "a" };
  // @ts-expect-error name is required
  const badIn: In = { age: 1 };
  const okOut: Out = { greeting: "x" };

  const typed = async (caller: Caller) => {
    const result = await caller.call(greet, { name: "a" }, {
      identity: { scopes: [], via: "internal" },
    });
    const text: string = result.greeting;
    // @ts-expect-error the output has no such field
    result.other;
    // @ts-expect-error the input is checked against the schema
    await caller.call(greet, { name: 1 }, { identity: { scopes: [], via: "internal" } });
    // @ts-expect-error identity is required
    await caller.call(greet, { name: "a" }, {});
    const untyped: unknown = await caller.call("types.greet", { anything: true }, {
      identity: { scopes: [], via: "internal" },
    });
    return [text, untyped];
  };

  // A hub pubsub whose event map includes the call events fits the call protocol.
  const hubPubSub = createPubSub<CallEventMap & { "session.status": { ok: boolean } }>();
  const forCalls: PubSub<CallEventMap> = hubPubSub;
  // @ts-expect-error payloads are typed by the event map
  forCalls.publish("call.aborted", "r", { requestId: "r", reason: "bored" });

  assert.ok([list, okIn, badIn, okOut, typed, forCalls, misuse]);
});
