/**
 * drizzle-kit configuration: `deno task db:generate` turns changes to the
 * schema into a new SQL migration under `src/storage/migrations/`, the one
 * folder both the PGlite and the PostgreSQL migrator apply.
 *
 * @module
 */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/storage/schema/mod.ts",
  out: "./src/storage/migrations",
  strict: true,
  verbose: true,
});
