/**
 * Schema validation shared by both ends of a call: schemas are compiled once
 * (TypeBox JIT) and failures become `{ path, message }` lists that are safe to
 * show a client — they name where the value is wrong, never the value.
 *
 * @module
 */
import type { TSchema } from "typebox";
import { Compile, type Validator } from "typebox/compile";
import { type ErrorCode, HubError } from "@hub/errors";

/** A compiled schema. */
export type CompiledSchema = Validator;

/** One validation failure: a JSON pointer into the value and what is wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
}

// Enough to locate the problems; a huge invalid array must not produce a huge error.
const MAX_ISSUES = 20;

/** Compiles `schema`; a schema TypeBox cannot compile throws TypeError. */
export function compileSchema(schema: TSchema, what = "schema"): CompiledSchema {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
    throw new TypeError(`Cannot compile ${what}: expected a JSON Schema object`);
  }
  try {
    return Compile(schema);
  } catch (error) {
    throw new TypeError(`Cannot compile ${what}: ${(error as Error).message}`, { cause: error });
  }
}

/** The first {@link MAX_ISSUES} failures of `value`, or `[]` when it is valid. */
export function collectIssues(validator: CompiledSchema, value: unknown): ValidationIssue[] {
  if (validator.Check(value)) return [];
  const issues: ValidationIssue[] = [];
  for (const error of validator.Errors(value)) {
    // "schema is false" repeats the additionalProperties error that follows it.
    if (error.keyword === "boolean") continue;
    issues.push({ path: error.instancePath || "/", message: error.message });
    if (issues.length === MAX_ISSUES) break;
  }
  return issues.length > 0 ? issues : [{ path: "/", message: "is invalid" }];
}

/** Options of {@linkcode assertValid}. */
export interface AssertValidOptions {
  /** What is validated, for the message: `input of "a.b"`. */
  what: string;
  /** The error code when invalid; `bad_request` by default. */
  code?: ErrorCode;
}

/**
 * Returns when `value` matches; otherwise throws a HubError whose message is
 * `Invalid <what>: <path> <message>` and whose `details.errors` lists every issue.
 */
export function assertValid(
  validator: CompiledSchema,
  value: unknown,
  options: AssertValidOptions,
): void {
  if (validator.Check(value)) return;
  const errors = collectIssues(validator, value);
  const [first] = errors;
  const message = `Invalid ${options.what}: ${first.path} ${first.message}`;
  throw new HubError(options.code ?? "bad_request", message, { details: { errors } });
}
