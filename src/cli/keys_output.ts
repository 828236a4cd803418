import type { ApiKeyRecord } from "../auth/mod.ts";

/** One line describing a key for people: name, id, prefix, scopes, expiry. */
export function describeKey(record: ApiKeyRecord): string {
  const expires = record.expiresAt ? `expires ${record.expiresAt.toISOString()}` : "never expires";
  const namespaces = record.metadata.spokeNamespaces;
  const spoke = Array.isArray(namespaces) ? `, namespaces ${namespaces.join(",")}` : "";
  return `"${record.name}" (id ${record.id}, prefix ${record.prefix}, scopes ${
    record.scopes.join(",")
  }${spoke}, ${expires})`;
}

const COLUMNS = ["ID", "PREFIX", "NAME", "SCOPES", "STATUS", "EXPIRES", "LAST USED"] as const;

/** The keys as an aligned table, for `hub keys list`. */
export function formatKeyTable(records: readonly ApiKeyRecord[]): string {
  const day = (date: Date | null) => date ? date.toISOString().slice(0, 16).replace("T", " ") : "-";
  const rows = records.map((record) => [
    record.id,
    record.prefix,
    record.name,
    record.scopes.join(","),
    record.status,
    day(record.expiresAt),
    day(record.lastUsedAt),
  ]);
  const widths = COLUMNS.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length))
  );
  return [COLUMNS, ...rows]
    .map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd())
    .join("\n");
}
