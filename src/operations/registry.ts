/**
 * `OperationRegistry`: which operations exist and where each one runs — the
 * supervisor, an actor, a spoke, or another hub. Callers resolve a name here
 * to the location a `call.requested` is addressed to.
 *
 * @module
 */
import { hasAccess, type Identity } from "./access.ts";
import {
  isOperationDefinition,
  type OperationDefinition,
  type OperationSpec,
} from "./define_operation.ts";
import { HubError } from "@hub/errors";
import { parseOperationSpec } from "./_spec.ts";
import type { CompiledSchema } from "./validation.ts";
import type { OperationLog } from "./context.ts";
import { reportFailure } from "./_report.ts";

/** Where operation handlers run. */
export const LOCATION_KINDS = ["supervisor", "actor", "spoke", "hub"] as const;
/** A location kind. */
export type LocationKind = typeof LOCATION_KINDS[number];

/** One place handlers run; `id` is the pubsub id `call.requested` is published under. */
export interface OperationLocation {
  readonly kind: LocationKind;
  readonly id: string;
}

/** A registry entry. */
export interface RegisteredOperation {
  /** JSON-only: what MCP lists and `toJsonSchema` returns. */
  readonly spec: OperationSpec;
  readonly location: OperationLocation;
  /** Compiled once per registration (reused from the definition when there is one). */
  readonly validators: { readonly input: CompiledSchema; readonly output: CompiledSchema };
}

/** One change of the registry. */
export interface RegistryChange {
  readonly type: "added" | "replaced" | "removed";
  readonly name: string;
  readonly location: OperationLocation;
}

/** Told about every batch of changes (one batch per register/unregister call). */
export type RegistryListener = (changes: readonly RegistryChange[]) => void;

function sameLocation(a: OperationLocation, b: OperationLocation): boolean {
  return a.kind === b.kind && a.id === b.id;
}

function describe(location: OperationLocation): string {
  return `${location.kind} "${location.id}"`;
}

function assertLocation(location: OperationLocation): void {
  if (!(LOCATION_KINDS as readonly unknown[]).includes(location?.kind)) {
    throw new TypeError(`Invalid location kind: expected one of ${LOCATION_KINDS.join(", ")}`);
  }
  if (typeof location.id !== "string" || location.id === "") {
    throw new TypeError("Invalid location id: expected a non-empty string");
  }
}

/** Options of {@linkcode OperationRegistry}. */
export interface OperationRegistryOptions {
  /** Where a throwing change listener is reported; default the console. */
  log?: OperationLog;
}

/** The directory of operations and their locations. */
export class OperationRegistry {
  readonly #entries = new Map<string, RegisteredOperation>();
  readonly #listeners = new Set<RegistryListener>();
  readonly #log?: OperationLog;

  constructor(options: OperationRegistryOptions = {}) {
    this.#log = options.log;
  }

  /**
   * Registers a definition or a spec (a spoke's, from the wire: validated,
   * `bad_request` when malformed). Throws `conflict` when the name is taken
   * at another location; the same location replaces its own entry.
   */
  register(operation: OperationDefinition | OperationSpec, location: OperationLocation): void {
    assertLocation(location);
    const entry = isOperationDefinition(operation)
      ? { spec: operation.spec, validators: operation.validators }
      : parseOperationSpec(operation);
    const name = entry.spec.name;
    const existing = this.#entries.get(name);
    if (existing && !sameLocation(existing.location, location)) {
      throw new HubError(
        "conflict",
        `Cannot register operation "${name}": already registered at ${describe(existing.location)}`,
        { details: { name, location: existing.location } },
      );
    }
    const frozen = Object.freeze({ kind: location.kind, id: location.id });
    this.#entries.set(name, Object.freeze({ ...entry, location: frozen }));
    this.#emit([{ type: existing ? "replaced" : "added", name, location: frozen }]);
  }

  /** Removes one operation by name, or every operation of a location; returns how many. */
  unregister(target: string | OperationLocation): number {
    const removed: RegistryChange[] = [];
    for (const [name, entry] of this.#entries) {
      const match = typeof target === "string"
        ? name === target
        : sameLocation(entry.location, target);
      if (!match) continue;
      this.#entries.delete(name);
      removed.push({ type: "removed", name, location: entry.location });
    }
    if (removed.length > 0) this.#emit(removed);
    return removed.length;
  }

  /** The entry of `name`, if registered. */
  get(name: string): RegisteredOperation | undefined {
    return this.#entries.get(name);
  }

  /** Every entry (or only those `identity` may call), sorted by name. */
  list(identity?: Identity): RegisteredOperation[] {
    const entries = [...this.#entries.values()]
      .filter((entry) => identity === undefined || hasAccess(identity, entry.spec.access));
    return entries.sort((a, b) => (a.spec.name < b.spec.name ? -1 : 1));
  }

  /** JSON-only specs of {@linkcode list}: what `tools/list` or a spoke handshake sends. */
  toJsonSchema(identity?: Identity): OperationSpec[] {
    return this.list(identity).map((entry) => entry.spec);
  }

  /** Calls `listener` after every change; returns the function that stops it. */
  onChange(listener: RegistryListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(changes: RegistryChange[]): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(changes);
      } catch (error) {
        // One broken listener (an MCP session) must not stop registration or the others.
        reportFailure("Operation registry listener failed", error, this.#log);
      }
    }
  }
}
