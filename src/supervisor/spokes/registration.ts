/**
 * Checking a spoke's `register` message before anything is registered: all
 * of its operations are accepted, or none. A spec must be well formed (the
 * registry's own wire-spec check: shape, name, both schemas against the JSON
 * Schema meta-schema), must not take a hub operation's name or a reserved
 * namespace, must lie in the namespaces its key allows
 * (`metadata.spokeNamespaces`), and must equal the spec other spokes already
 * offer under the same name.
 *
 * @module
 */
import {
  type CompiledSchema,
  hasScope,
  type OperationRegistry,
  OperationRegistry as ScratchRegistry,
  type OperationSpec,
} from "@alkdev/operations";
import { HubError } from "@hub/errors";
import { PROTOCOL_VERSION, type SpokeMessageMap } from "../../spoke/mod.ts";

/** First name segments spokes may never use: the hub's own families, present and planned. */
export const RESERVED_NAMESPACES: readonly string[] = Object.freeze([
  "admin",
  "calls",
  "coord",
  "hub",
  "keys",
  "llm",
  "mcp",
  "sessions",
  "spokes",
]);

/** A checked operation of a spoke. */
export interface ParsedOperation {
  readonly spec: OperationSpec;
  readonly validators: { readonly input: CompiledSchema; readonly output: CompiledSchema };
  readonly maxInFlight?: number;
  readonly idempotent: boolean;
  /** Canonical JSON of spec + idempotent: two spokes sharing a name must agree on it. */
  readonly fingerprint: string;
}

/** What the check needs to know about the key and the hub. */
export interface RegistrationContext {
  readonly scopes: readonly string[];
  /** The key's `metadata` (`spokeNamespaces: string[]` restricts names). */
  readonly metadata: Record<string, unknown>;
  readonly registry: OperationRegistry;
  /** The fingerprint of `name` as other spokes offer it, if any. */
  offered(name: string): { readonly fingerprint: string } | undefined;
}

const SCRATCH_LOCATION = { kind: "spoke", id: "registration-check" } as const;

/** The namespaces a key allows, or undefined when it does not restrict them. */
export function allowedNamespaces(metadata: Record<string, unknown>): string[] | undefined {
  const value = metadata.spokeNamespaces;
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return [];
  return value.filter((entry): entry is string => typeof entry === "string" && entry !== "");
}

function inNamespace(name: string, namespace: string): boolean {
  return name === namespace || name.startsWith(`${namespace}.`);
}

/** Checks a `register` payload; throws HubError (`forbidden`, `bad_request`, `conflict`). */
export function checkRegistration(
  payload: SpokeMessageMap["register"],
  context: RegistrationContext,
): ParsedOperation[] {
  if (!hasScope(context.scopes, "spoke")) {
    throw new HubError(
      "forbidden",
      `Cannot register spoke "${payload.name}": missing scope "spoke"`,
    );
  }
  if (payload.protocol !== PROTOCOL_VERSION) {
    throw new HubError(
      "bad_request",
      `Cannot register spoke "${payload.name}": protocol ${payload.protocol} is not supported (this hub speaks ${PROTOCOL_VERSION})`,
    );
  }
  const scratch = new ScratchRegistry();
  const namespaces = allowedNamespaces(context.metadata);
  const seen = new Set<string>();
  const parsed: ParsedOperation[] = [];
  for (const raw of payload.operations) {
    const name = raw.name;
    const fail = (code: "forbidden" | "conflict" | "bad_request", why: string) =>
      new HubError(code, `Cannot register operation "${name}": ${why}`, { details: { name } });
    if (seen.has(name)) throw fail("bad_request", "listed twice");
    seen.add(name);
    const { maxInFlight, idempotent, ...spec } = raw;
    try {
      scratch.register(spec as unknown as OperationSpec, SCRATCH_LOCATION);
    } catch (error) {
      const message = error instanceof HubError ? error.message : String(error);
      throw new HubError("bad_request", message, {
        details: { name, ...(error instanceof HubError ? error.details : {}) },
      });
    }
    const entry = scratch.get(name)!;
    const namespace = name.slice(0, name.indexOf("."));
    const existing = context.registry.get(name);
    if (existing && existing.location.kind !== "spoke") {
      throw fail("conflict", `the hub has an operation of that name`);
    }
    if (RESERVED_NAMESPACES.includes(namespace) || ownedByHub(context.registry, namespace)) {
      throw fail("forbidden", `namespace "${namespace}" is reserved for the hub`);
    }
    if (namespaces && !namespaces.some((allowed) => inNamespace(name, allowed))) {
      throw fail(
        "forbidden",
        namespaces.length === 0
          ? "this key allows no spoke namespaces"
          : `outside the namespaces this key allows (${namespaces.join(", ")})`,
      );
    }
    const fingerprint = canonical({ spec: entry.spec, idempotent: idempotent === true });
    const offered = context.offered(name);
    if (offered && offered.fingerprint !== fingerprint) {
      throw fail("conflict", "another spoke offers it with a different spec");
    }
    parsed.push({
      spec: entry.spec,
      validators: entry.validators,
      ...(maxInFlight === undefined ? {} : { maxInFlight }),
      idempotent: idempotent === true,
      fingerprint,
    });
  }
  return parsed;
}

function ownedByHub(registry: OperationRegistry, namespace: string): boolean {
  for (const entry of registry.list()) {
    if (entry.location.kind !== "spoke" && inNamespace(entry.spec.name, namespace)) return true;
  }
  return false;
}

/** JSON with sorted keys, so equal specs compare equal whatever their key order. */
function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)))
        : v,
  );
}
