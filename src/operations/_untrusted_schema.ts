/**
 * Schemas from outside the hub (a spoke's registration now; sessions and
 * other hubs later) are validated on the supervisor's main thread, so none of
 * them may run a backtracking regular expression there: one pattern such as
 * `^(a|aa)+$` on a crafted input would stall every request. Each `pattern` is
 * compiled for RE2 (linear time, no backreferences or lookaround) and handed
 * to TypeBox as a RegExp whose `test` runs on RE2; `patternProperties`, whose
 * keys TypeBox always compiles itself, is refused. Size and depth are bounded.
 *
 * @module
 */
import type { TSchema } from "typebox";
import { RE2JS } from "re2js";
import { HubError } from "@hub/errors";

/** Limits on one schema from outside the hub. */
export const UNTRUSTED_SCHEMA_LIMITS = {
  /** Bytes of the schema as JSON. */
  maxBytes: 64 * 1024,
  /** Nesting of objects and arrays. */
  maxDepth: 32,
  /** Characters of one `pattern`. */
  maxPatternLength: 1024,
} as const;

/** A RegExp TypeBox accepts as a `pattern` whose `test` runs on RE2 in linear time. */
class LinearPattern extends RegExp {
  readonly #re2: RE2JS;

  constructor(source: string, re2: RE2JS) {
    super("(?:)");
    this.#re2 = re2;
    Object.defineProperty(this, "linearSource", { value: source });
  }

  override test(value: string): boolean {
    return this.#re2.test(String(value));
  }
}

/** Keywords whose value is one subschema. */
const ONE = [
  "additionalProperties",
  "items",
  "contains",
  "not",
  "if",
  "then",
  "else",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "additionalItems",
] as const;
/** Keywords whose value is an array of subschemas. */
const MANY = ["allOf", "anyOf", "oneOf", "prefixItems"] as const;
/** Keywords whose value maps names to subschemas. */
const MAP = ["properties", "$defs", "definitions", "dependentSchemas"] as const;

/**
 * A copy of `schema` that validates the same values without a backtracking
 * regular expression; throws `bad_request` naming the place of a pattern RE2
 * cannot run, a `patternProperties`, or a schema over the limits.
 */
export function linearSchema(schema: TSchema, what: string): TSchema {
  const bytes = new TextEncoder().encode(JSON.stringify(schema)).length;
  if (bytes > UNTRUSTED_SCHEMA_LIMITS.maxBytes) {
    throw new HubError(
      "bad_request",
      `Invalid ${what}: ${bytes} bytes is over the limit of ${UNTRUSTED_SCHEMA_LIMITS.maxBytes}`,
    );
  }
  checkDepth(schema, what);
  return rewrite(schema, "", what) as TSchema;
}

function checkDepth(value: unknown, what: string): void {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth > UNTRUSTED_SCHEMA_LIMITS.maxDepth) {
      throw new HubError(
        "bad_request",
        `Invalid ${what}: nested deeper than ${UNTRUSTED_SCHEMA_LIMITS.maxDepth} levels`,
      );
    }
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

function rewrite(schema: unknown, path: string, what: string): unknown {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return schema;
  const source = schema as Record<string, unknown>;
  const copy: Record<string, unknown> = { ...source };
  const patternProperties = source.patternProperties;
  if (
    typeof patternProperties === "object" && patternProperties !== null &&
    Object.keys(patternProperties).length > 0
  ) {
    throw new HubError(
      "bad_request",
      `Invalid ${what}: ${
        path || "/"
      }patternProperties is not allowed in a schema from outside the hub`,
    );
  }
  if (typeof source.pattern === "string") {
    copy.pattern = linearPattern(source.pattern, `${path}/pattern`, what);
  }
  for (const key of ONE) {
    if (key in source) copy[key] = rewrite(source[key], `${path}/${key}`, what);
  }
  for (const key of MANY) {
    if (Array.isArray(source[key])) {
      copy[key] = (source[key] as unknown[]).map((item, i) =>
        rewrite(item, `${path}/${key}/${i}`, what)
      );
    }
  }
  if (Array.isArray(source.items)) {
    copy.items = source.items.map((item, i) => rewrite(item, `${path}/items/${i}`, what));
  }
  for (const key of MAP) {
    const map = source[key];
    if (typeof map !== "object" || map === null || Array.isArray(map)) continue;
    copy[key] = Object.fromEntries(
      Object.entries(map).map((
        [name, sub],
      ) => [name, rewrite(sub, `${path}/${key}/${name}`, what)]),
    );
  }
  return copy;
}

function linearPattern(pattern: string, path: string, what: string): RegExp {
  if (pattern.length > UNTRUSTED_SCHEMA_LIMITS.maxPatternLength) {
    throw new HubError(
      "bad_request",
      `Invalid ${what}: ${path} is longer than ${UNTRUSTED_SCHEMA_LIMITS.maxPatternLength} characters`,
    );
  }
  try {
    return new LinearPattern(pattern, RE2JS.compile(pattern));
  } catch (error) {
    throw new HubError(
      "bad_request",
      `Invalid ${what}: ${path} cannot run in linear time (RE2 syntax: no backreferences or lookaround): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}
