/**
 * Column builders shared by the storage tables. They are functions, not
 * shared builder objects, so each table gets its own column instances.
 *
 * @module
 */
import { sql } from "drizzle-orm";
import { jsonb, text, timestamp } from "drizzle-orm/pg-core";

/** A JSON object column (`jsonb not null default '{}'`). */
export function jsonObject<T extends object = Record<string, unknown>>(
  name: string,
) {
  return jsonb(name).$type<T>().notNull().default({} as T);
}

/** A `timestamp with time zone` column read and written as `Date`. */
export function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true, mode: "date" });
}

/** Text primary key; the database fills in a UUID so raw SQL inserts work too. */
export function idColumn() {
  return text("id").primaryKey().default(sql`gen_random_uuid()::text`);
}

/** `created_at`, set by the database on insert. */
export function createdAtColumn() {
  return timestamptz("created_at").notNull().defaultNow();
}

/** `updated_at`, set on insert and refreshed by drizzle on every update. */
export function updatedAtColumn() {
  return timestamptz("updated_at").notNull().defaultNow().$onUpdate(() => new Date());
}

/** `id`, `metadata`, `created_at`, `updated_at`: the columns every entity table carries. */
export function commonColumns() {
  return {
    id: idColumn(),
    metadata: jsonObject("metadata"),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  };
}
