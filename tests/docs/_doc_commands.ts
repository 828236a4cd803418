/**
 * The command lines printed in README.md and docs/*.md: shell code blocks
 * (untagged, `sh`, `bash`) line by line, and inline code spans that run
 * something (`npx …`, `deno …`), reduced to the invocation a reader types.
 *
 * @module
 */

/** One documented command line. */
export interface DocCommand {
  /** `docs/api.md:183`. */
  readonly where: string;
  /** The invocation, without leading `VAR=value`s, `$( )` capture, comment or `< file`. */
  readonly text: string;
  /** True when it was in a code block (a span in prose may merely name a command). */
  readonly inBlock: boolean;
  /** The file a `< file` redirection feeds to stdin. */
  readonly stdinFile?: string;
}

const ROOT = new URL("../../", import.meta.url);
const SHELL_BLOCKS = ["", "sh", "bash", "shell"];

/** README.md and every docs/*.md, relative to the repository root. */
export function docFiles(): string[] {
  const docs = [...Deno.readDirSync(new URL("docs/", ROOT))]
    .map((entry) => entry.name)
    .filter((name) => name.endsWith(".md"))
    .sort();
  return ["README.md", ...docs.map((name) => `docs/${name}`)];
}

/** Every command line of every documentation file. */
export function docCommands(): DocCommand[] {
  return docFiles().flatMap((file) =>
    extractCommands(file, Deno.readTextFileSync(new URL(file, ROOT)))
  );
}

/** The command lines of one markdown text. */
export function extractCommands(file: string, markdown: string): DocCommand[] {
  const commands: DocCommand[] = [];
  const lines = markdown.split("\n");
  let block: string | undefined; // the info string of the open fence
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*```\s*(\S*)/.exec(line);
    if (fence) {
      block = block === undefined ? fence[1] : undefined;
      continue;
    }
    const where = `${file}:${i + 1}`;
    if (block === undefined) {
      for (const [, span] of line.matchAll(/`([^`]+)`/g)) {
        if (/^(npx|deno) /.test(span)) {
          commands.push({ where, ...invocation(span), inBlock: false });
        }
      }
      continue;
    }
    if (!SHELL_BLOCKS.includes(block)) continue;
    let text = line;
    // A trailing backslash continues the command on the next line.
    while (text.trimEnd().endsWith("\\") && i + 1 < lines.length) {
      text = text.trimEnd().slice(0, -1) + " " + lines[++i].trim();
    }
    const command = invocation(text);
    if (command.text !== "") commands.push({ where, ...command, inBlock: true });
  }
  return commands;
}

function invocation(line: string): { text: string; stdinFile?: string } {
  let text = line.trim().replace(/\s+#\s.*$/, "").replace(/^#.*$/, "");
  // `KEY=$(command)` documents the command inside.
  const captured = /^[A-Z_][A-Z0-9_]*=\$\((.*)\)$/.exec(text);
  if (captured) text = captured[1];
  text = text.replace(/^(?:[A-Z_][A-Z0-9_]*=(?:\$\([^)]*\)|\S+)\s+)+/, "");
  const redirect = /\s+<\s+(\S+)$/.exec(text);
  if (redirect) text = text.slice(0, redirect.index);
  return { text: text.trim(), stdinFile: redirect?.[1] };
}

/** Splits a command line into words as a POSIX shell would for these simple lines (quotes only). */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  for (const [, double, single, bare] of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    words.push(double ?? single ?? bare);
  }
  return words;
}
