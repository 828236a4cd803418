import Type from "typebox";
import { defineOperation, type Identity } from "@alkdev/operations";
import { type ApiKeyService, type AuditActor, recordToJson } from "../../auth/mod.ts";

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const Limits = Type.Object({
  rpm: Type.Optional(Type.Integer({ minimum: 1 })),
  tpm: Type.Optional(Type.Integer({ minimum: 1 })),
  maxParallel: Type.Optional(Type.Integer({ minimum: 1 })),
}, { additionalProperties: false });

/** An API key as the API shows it: never the hash, never the secret. */
export const KeyRecordSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  scopes: Type.Array(Type.String()),
  accountId: Nullable(Type.String()),
  organizationId: Nullable(Type.String()),
  limits: Limits,
  metadata: Type.Record(Type.String(), Type.Unknown()),
  expiresAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
  createdAt: Type.String(),
  status: Type.Union([Type.Literal("active"), Type.Literal("expired"), Type.Literal("revoked")]),
});

const CHANNELS: Record<string, AuditActor["via"]> = { http: "http", mcp: "mcp", ws: "ws" };

/** Who did it, for the audit log: the calling key and the path it came in on. */
function actorOf(identity: Identity): AuditActor {
  return { keyId: identity.keyId, via: CHANNELS[identity.via] ?? "system" };
}

/** `keys.create`, `keys.list`, `keys.revoke`: admin operations over the key service. */
export function keyOperations(keys: ApiKeyService) {
  return [
    defineOperation({
      name: "keys.create",
      kind: "mutation",
      description: "Create an API key. The key is in this answer only: it is stored as a hash.",
      input: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 32 }),
        expiresAt: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
        accountId: Type.Optional(Nullable(Type.String())),
        organizationId: Type.Optional(Nullable(Type.String())),
        limits: Type.Optional(Limits),
        metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      }, { additionalProperties: false }),
      output: Type.Object({ key: Type.String(), record: KeyRecordSchema }),
      access: { scopes: ["admin"] },
      handler: async (input, ctx) => {
        const { key, record } = await keys.create(input, actorOf(ctx.identity));
        return { key, record: recordToJson(record) as never };
      },
    }),
    defineOperation({
      name: "keys.list",
      kind: "query",
      description: "List API keys (without secrets); revoked ones only with includeRevoked.",
      input: Type.Object({ includeRevoked: Type.Optional(Type.Boolean()) }, {
        additionalProperties: false,
      }),
      output: Type.Object({ keys: Type.Array(KeyRecordSchema) }),
      access: { scopes: ["admin"] },
      handler: async (input) => ({
        keys: (await keys.list({ includeRevoked: input.includeRevoked })).map(
          recordToJson,
        ) as never,
      }),
    }),
    defineOperation({
      name: "keys.revoke",
      kind: "mutation",
      description: "Revoke an API key by id or prefix; it stops working on every path at once.",
      input: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, {
        additionalProperties: false,
      }),
      output: Type.Object({ record: KeyRecordSchema, changed: Type.Boolean() }),
      access: { scopes: ["admin"] },
      handler: async (input, ctx) => {
        const { record, changed } = await keys.revoke(input.id, actorOf(ctx.identity));
        return { record: recordToJson(record) as never, changed };
      },
    }),
  ];
}
