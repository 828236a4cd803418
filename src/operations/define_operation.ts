/**
 * `defineOperation`: an operation's name, kind, schemas, access rule and
 * handler in one typed value. The schemas are compiled once here, and the
 * handler's input and output types are inferred from them, so a handler that
 * returns the wrong shape fails `deno check`.
 *
 * @module
 */
import type { Static, TSchema } from "typebox";
import type { AccessRule } from "./access.ts";
import type { OperationContext } from "./context.ts";
import { type CompiledSchema, compileSchema } from "./validation.ts";

/** What an operation does to the world: reads, writes, or streams. */
export const OPERATION_KINDS = ["query", "mutation", "subscription"] as const;
/** An operation kind. */
export type OperationKind = typeof OPERATION_KINDS[number];

/** Dotted lowercase names with at least two segments: `coord.spawn`, `fs.read_file`. */
export const OPERATION_NAME_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** The serializable part of an operation: what a spoke sends and MCP lists. */
export interface OperationSpec {
  readonly name: string;
  readonly kind: OperationKind;
  readonly description: string;
  /** JSON Schema of the input. */
  readonly input: TSchema;
  /** JSON Schema of the output. */
  readonly output: TSchema;
  readonly access: AccessRule;
}

/** What {@linkcode defineOperation} takes. */
export interface OperationConfig<I extends TSchema, O extends TSchema> {
  name: string;
  kind: OperationKind;
  description: string;
  input: I;
  output: O;
  access: AccessRule;
  handler: (input: Static<I>, ctx: OperationContext) => Promise<Static<O>> | Static<O>;
}

/** A defined operation: its spec, compiled validators and handler. */
export interface OperationDefinition<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  readonly name: string;
  readonly kind: OperationKind;
  readonly description: string;
  readonly input: I;
  readonly output: O;
  readonly access: AccessRule;
  /** A JSON-only copy of the serializable part, ready to send. */
  readonly spec: OperationSpec;
  /** Compiled once, at definition time. */
  readonly validators: { readonly input: CompiledSchema; readonly output: CompiledSchema };
  // Method syntax on purpose: it lets any definition be used where
  // `OperationDefinition` (unknown input) is expected, e.g. in a list of them.
  handler(input: Static<I>, ctx: OperationContext): Promise<Static<O>> | Static<O>;
}

/** A JSON-only copy of a schema: no symbols, functions or prototypes survive. */
export function toJsonSchema(schema: TSchema): TSchema {
  return JSON.parse(JSON.stringify(schema));
}

/** Throws TypeError when `name` is not a dotted operation name. */
export function assertOperationName(name: unknown): asserts name is string {
  if (typeof name !== "string" || !OPERATION_NAME_PATTERN.test(name)) {
    throw new TypeError(
      `Invalid operation name ${
        JSON.stringify(name)
      }: expected dotted lowercase words like "coord.spawn"`,
    );
  }
}

function assertConfig(config: OperationConfig<TSchema, TSchema>): void {
  assertOperationName(config.name);
  const name = config.name;
  const fail = (why: string) => new TypeError(`Cannot define operation "${name}": ${why}`);
  if (!(OPERATION_KINDS as readonly unknown[]).includes(config.kind)) {
    throw fail(`kind must be one of ${OPERATION_KINDS.join(", ")}`);
  }
  if (typeof config.description !== "string") throw fail("description must be a string");
  const scopes = config.access?.scopes;
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== "string")) {
    throw fail("access.scopes must be a list of strings");
  }
  if (typeof config.handler !== "function") throw fail("handler must be a function");
}

/** Defines an operation; misuse (bad name, kind, schema) throws TypeError. */
export function defineOperation<I extends TSchema, O extends TSchema>(
  config: OperationConfig<I, O>,
): OperationDefinition<I, O> {
  assertConfig(config as unknown as OperationConfig<TSchema, TSchema>);
  const { name, kind, description, input, output, handler } = config;
  const access: AccessRule = Object.freeze({ scopes: Object.freeze([...config.access.scopes]) });
  const validators = Object.freeze({
    input: compileSchema(input, `input schema of "${name}"`),
    output: compileSchema(output, `output schema of "${name}"`),
  });
  const spec: OperationSpec = Object.freeze({
    name,
    kind,
    description,
    input: toJsonSchema(input),
    output: toJsonSchema(output),
    access,
  });
  return Object.freeze({
    name,
    kind,
    description,
    input,
    output,
    access,
    spec,
    validators,
    handler,
  });
}

/** True when `value` came from {@linkcode defineOperation} (it carries validators and a handler). */
export function isOperationDefinition(value: unknown): value is OperationDefinition {
  return typeof value === "object" && value !== null &&
    typeof (value as OperationDefinition).handler === "function" &&
    typeof (value as OperationDefinition).validators === "object";
}
