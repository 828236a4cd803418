/**
 * Small builders for the OpenAPI document: every operation names its
 * scopes, and every error response points at one shared schema.
 *
 * @module
 */
import { ERROR_CODES } from "@hub/errors";

/** A JSON Schema (as plain JSON). */
export type Schema = Record<string, unknown>;
/** An OpenAPI operation object. */
export type OpenApiOperation = Record<string, unknown>;
/** An OpenAPI path item: method → operation. */
export type PathItem = Record<string, OpenApiOperation>;

/** An object schema with `properties`, and `required` when any. */
export const object = (properties: Schema, required: string[] = []): Schema => ({
  type: "object",
  ...(required.length ? { required } : {}),
  properties,
});
/** An array schema of `items`. */
export const arrayOf = (items: Schema): Schema => ({ type: "array", items });
export const STRING: Schema = { type: "string" };
export const INTEGER: Schema = { type: "integer" };

/** The hub's coded error body (`src/supervisor/http/errors.ts`). */
export const ERROR_SCHEMA: Schema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", enum: [...ERROR_CODES] },
        message: { type: "string" },
        requestId: { type: "string", description: "The x-request-id of the answer" },
        details: { type: "object" },
      },
    },
  },
};

/** OpenAI's error body, which every `/v1` error has. */
export const OPENAI_ERROR_SCHEMA: Schema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["message", "type"],
      properties: {
        message: { type: "string" },
        type: { type: "string" },
        param: { type: ["string", "null"] },
        code: { type: ["string", "null"] },
      },
    },
  },
};

/** Which error body a route answers with. */
export type ErrorShape = "hub" | "openai";

const ERROR_RESPONSE: Record<ErrorShape, Schema> = {
  hub: { $ref: "#/components/responses/Error" },
  openai: { $ref: "#/components/responses/OpenAiError" },
};

/** A JSON body of `schema`. */
export function json(schema: Schema, description: string): Schema {
  return { description, content: { "application/json": { schema } } };
}

/** A parameter in the path (always required) or the query. */
export function param(
  name: string,
  where: "path" | "query",
  schema: Schema,
  description?: string,
): Schema {
  return {
    name,
    in: where,
    required: where === "path",
    schema,
    ...(description === undefined ? {} : { description }),
  };
}

/** What {@linkcode operation} needs. */
export interface OperationOptions {
  id: string;
  summary: string;
  /** Who may call it, in words (`admin`, `llm`, `any key`, …). */
  scopes: string;
  parameters?: Schema[];
  body?: Schema;
  /** Success status → response object. */
  responses: Record<number, Schema>;
  errors?: ErrorShape;
  /** No bearer key needed. */
  open?: boolean;
  tags?: string[];
}

/** One OpenAPI operation; every error status points at the one error response. */
export function operation(options: OperationOptions): OpenApiOperation {
  return {
    operationId: options.id,
    summary: options.summary,
    description: `Scopes: ${options.scopes}.`,
    ...(options.tags ? { tags: options.tags } : {}),
    ...(options.open ? { security: [] } : {}),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    ...(options.body
      ? {
        requestBody: { required: true, content: { "application/json": { schema: options.body } } },
      }
      : {}),
    responses: {
      ...options.responses,
      default: ERROR_RESPONSE[options.errors ?? "hub"],
    },
  };
}

/** The components every path refers to: the bearer scheme and the two error bodies. */
export function components(): Schema {
  return {
    securitySchemes: {
      bearer: { type: "http", scheme: "bearer", description: "An alk hub API key" },
    },
    schemas: { Error: ERROR_SCHEMA, OpenAiError: OPENAI_ERROR_SCHEMA },
    responses: {
      Error: json({ $ref: "#/components/schemas/Error" }, "A coded hub error"),
      OpenAiError: json(
        { $ref: "#/components/schemas/OpenAiError" },
        "An error in OpenAI's shape",
      ),
    },
  };
}
