/**
 * The error table in `docs/api.md` is the one copy of `ERROR_MAP` in the
 * docs: this test renders it from the code and fails when the two differ.
 * Run `deno run -A tests/docs/error_table_test.ts` to print the table.
 *
 * @module
 */
import assert from "node:assert/strict";
import { ERROR_CODES, ERROR_MAP } from "@hub/errors";

const API_DOC = new URL("../../docs/api.md", import.meta.url);

/** The markdown table of every code, as `deno fmt` lays it out. */
export function renderErrorTable(): string {
  const rows = ERROR_CODES.map((code) => {
    const { http, jsonRpc, wsClose } = ERROR_MAP[code];
    return [`\`${code}\``, String(http), String(jsonRpc), String(wsClose)];
  });
  const header = ["code", "HTTP", "JSON-RPC", "WS close"];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((cell, i) => i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])).join(
        " | ",
      )
    } |`;
  const rule = `| ${
    widths.map((width, i) => i === 0 ? "-".repeat(width) : "-".repeat(width - 1) + ":").join(" | ")
  } |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

Deno.test("docs/api.md carries ERROR_MAP's table, every code once", async () => {
  const doc = await Deno.readTextFile(API_DOC);
  assert.ok(doc.includes(renderErrorTable()), `docs/api.md should contain:\n${renderErrorTable()}`);
});

Deno.test("no other doc copies the error table", async () => {
  for await (const entry of Deno.readDir(new URL("../../docs/", import.meta.url))) {
    if (entry.name === "api.md" || !entry.name.endsWith(".md")) continue;
    const doc = await Deno.readTextFile(new URL(`../../docs/${entry.name}`, import.meta.url));
    assert.ok(!/^\| `rate_limited` +\| +\d/m.test(doc), `${entry.name} copies the error table`);
  }
});

if (import.meta.main) console.log(renderErrorTable());
