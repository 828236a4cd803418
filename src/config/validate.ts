/**
 * Schema validation of config data, turned into problems a person can act on:
 * one per bad field, with its JSON pointer, never with its value.
 */
import { Compile, type Validator } from "typebox/compile";
import { Settings } from "typebox/system";
import type { TLocalizedValidationError } from "typebox/error";
import type { ConfigProblem } from "./config_error.ts";
import { CONFIG_SCHEMA, escapePointer, PATTERN_RULES } from "./schema.ts";

const validator = Compile(CONFIG_SCHEMA);

// typebox stops after `maxErrors` (8 by default, a process-wide setting);
// a config file is small and trusted, and every problem should be reported.
const MAX_ERRORS = 1000;

/** Validates parsed config data; an empty list means it is valid. */
export function validateConfig(data: unknown): ConfigProblem[] {
  return schemaProblems(validator, data);
}

/**
 * Every problem of `data` against a compiled schema, one per bad field; an
 * empty list means it is valid. `whole` names the value for a problem of the
 * whole (`the file`, `the body`).
 */
export function schemaProblems(
  schema: Validator,
  data: unknown,
  whole = "the file",
): ConfigProblem[] {
  if (schema.Check(data)) return [];
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ERRORS });
  let errors: TLocalizedValidationError[];
  try {
    errors = schema.Errors(data);
  } finally {
    Settings.Set({ maxErrors: previous });
  }
  const problems = new Map<string, ConfigProblem>();
  for (const error of errors) {
    for (const problem of toProblems(error, whole)) {
      problems.set(`${problem.path}\n${problem.message}`, problem);
    }
  }
  return [...problems.values()];
}

function toProblems(error: TLocalizedValidationError, whole: string): ConfigProblem[] {
  const path = error.instancePath;
  switch (error.keyword) {
    case "additionalProperties":
      return error.params.additionalProperties.map((name) => ({
        path: `${path}/${escapePointer(name)}`,
        message: "is not a known field",
      }));
    case "boolean":
      // typebox reports each unknown field twice: once as `additionalProperties`
      // on its parent (kept above) and once as `false` schema (dropped here).
      return error.schemaPath.endsWith("/additionalProperties")
        ? []
        : [{ path, message: error.message }];
    case "type":
      return [{
        path,
        message: path === ""
          ? `${whole} must hold a JSON object`
          : `must be ${article(String(error.params.type))}`,
      }];
    case "enum":
      return [{ path, message: `must be one of ${error.params.allowedValues.join(", ")}` }];
    case "minLength":
      return [{
        path,
        message: error.params.limit === 1
          ? "must not be empty"
          : `must have at least ${error.params.limit} characters`,
      }];
    case "pattern":
      return [{ path, message: PATTERN_RULES[String(error.params.pattern)] ?? error.message }];
    case "minimum":
    case "maximum":
      return [{ path, message: `must be ${error.params.comparison} ${error.params.limit}` }];
    default:
      return [{ path, message: error.message }];
  }
}

// `must be integer` reads as the brief's example; objects get an article.
function article(type: string): string {
  return type === "object" || type === "array" ? `an ${type}` : type;
}
