/**
 * Validation of operation specs that arrive over the wire (a spoke's
 * registration): the shape is checked and both schemas are compiled, so a bad
 * spec is refused with `bad_request` at registration instead of at call time.
 *
 * @module
 */
import Type, { type TSchema } from "typebox";
import { Meta } from "typebox/schema";
import {
  OPERATION_KINDS,
  OPERATION_NAME_PATTERN,
  type OperationSpec,
  toJsonSchema,
} from "./define_operation.ts";
import { HubError } from "@hub/errors";
import { assertValid, type CompiledSchema, compileSchema } from "./validation.ts";
import { linearSchema } from "./_untrusted_schema.ts";

const SpecSchema = Type.Object({
  name: Type.String({ pattern: OPERATION_NAME_PATTERN.source, maxLength: 128 }),
  kind: Type.Enum(OPERATION_KINDS),
  description: Type.String({ maxLength: 4096 }),
  input: Type.Object({}),
  output: Type.Object({}),
  access: Type.Object({ scopes: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 32 }) }),
});

const specValidator = compileSchema(SpecSchema, "operation spec schema");

// TypeBox compiles any object, even `{ type: "nonsense" }`; the meta-schema
// refuses it. Compiled on the first wire spec (~10 ms), not at import.
let metaValidator: CompiledSchema | undefined;
function metaSchema(): CompiledSchema {
  metaValidator ??= compileSchema(
    Meta["https://json-schema.org/draft/2020-12/schema"] as unknown as TSchema,
    "JSON Schema meta-schema",
  );
  return metaValidator;
}

/** A checked spec (JSON-only copy) with its compiled validators. */
export interface ParsedSpec {
  spec: OperationSpec;
  validators: { input: CompiledSchema; output: CompiledSchema };
}

/** Checks a spec from the wire; throws HubError `bad_request` naming what is wrong. */
export function parseOperationSpec(value: unknown): ParsedSpec {
  assertValid(specValidator, value, { what: "operation spec" });
  const raw = value as OperationSpec;
  const compile = (schema: TSchema, which: string) => {
    const what = `${which} schema of "${raw.name}"`;
    const linear = linearSchema(schema, what); // first: it bounds the size the meta-schema reads
    assertValid(metaSchema(), schema, { what });
    try {
      return compileSchema(linear, what);
    } catch (error) {
      throw new HubError("bad_request", (error as Error).message, { cause: error });
    }
  };
  const spec: OperationSpec = Object.freeze({
    name: raw.name,
    kind: raw.kind,
    description: raw.description,
    input: toJsonSchema(raw.input),
    output: toJsonSchema(raw.output),
    access: Object.freeze({ scopes: Object.freeze([...raw.access.scopes]) }),
  });
  return {
    spec,
    validators: Object.freeze({
      input: compile(spec.input, "input"),
      output: compile(spec.output, "output"),
    }),
  };
}
