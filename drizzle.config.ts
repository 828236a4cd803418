/**
 * drizzle-kit configuration: `deno task db:generate` turns changes to the
 * schema into a new SQL migration under `src/storage/migrations/`, the one
 * folder both the PGlite and the PostgreSQL migrator apply.
 *
 * drizzle-kit is a development tool: the task runs it as
 * `npm:drizzle-kit@0.31.11`, and it is kept out of deno.json's imports so
 * that `deno task start` does not install it (and esbuild, tsx) on a fresh
 * clone. Hence a plain object here instead of its identity `defineConfig`.
 *
 * @module
 */
export default {
  dialect: "postgresql",
  schema: "./src/storage/schema/mod.ts",
  out: "./src/storage/migrations",
  strict: true,
  verbose: true,
};
