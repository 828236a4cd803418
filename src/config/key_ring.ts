/**
 * The master key ring: one secret per key version, read from the master key
 * file. The highest version encrypts; every version still decrypts, which is
 * what lets keys rotate without re-encrypting everything at once.
 */
import { ConfigError, type ConfigProblem, formatProblems } from "./config_error.ts";

/** Shorter secrets are refused: the file is the only thing protecting every encrypted value. */
export const MIN_SECRET_LENGTH = 16;

/**
 * A set of master secrets by version. The secrets live in a private field, so
 * logging, inspecting or serializing a key ring never shows them.
 */
export class KeyRing {
  readonly #secrets: ReadonlyMap<number, Uint8Array>;
  /** The version new values are encrypted under: the highest one. */
  readonly current: number;
  /** Every version held, ascending. */
  readonly versions: readonly number[];

  /** Builds a key ring from `[version, secret]` pairs; throws `RangeError` on misuse. */
  constructor(entries: Iterable<readonly [number, string]>) {
    const secrets = new Map<number, Uint8Array>();
    for (const [version, secret] of entries) {
      if (!Number.isSafeInteger(version) || version < 1) {
        throw new RangeError(`Cannot build key ring: version ${version} is not a positive integer`);
      }
      if (secrets.has(version)) {
        throw new RangeError(`Cannot build key ring: version ${version} appears twice`);
      }
      if (secret.length < MIN_SECRET_LENGTH) {
        throw new RangeError(
          `Cannot build key ring: the secret of version ${version} is shorter than ${MIN_SECRET_LENGTH} characters`,
        );
      }
      secrets.set(version, new TextEncoder().encode(secret));
    }
    if (secrets.size === 0) throw new RangeError("Cannot build key ring: no key given");
    this.#secrets = secrets;
    this.versions = Object.freeze([...secrets.keys()].sort((a, b) => a - b));
    this.current = this.versions[this.versions.length - 1];
    Object.freeze(this);
  }

  /** The secret bytes of one version (the PBKDF2 password), or `undefined`. */
  secret(version: number): Uint8Array | undefined {
    return this.#secrets.get(version);
  }
}

const VERSIONED_LINE = /^(\d+):(.*)$/;

/**
 * Parses the text of a master key file: lines `<version>:<secret>`, or a single
 * line without a prefix (version 1). Blank lines and `#` comments are ignored.
 * Problems name line numbers, never line contents (they are secrets).
 */
export function parseKeyRing(text: string, source: string): KeyRing {
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), number: i + 1 }))
    .filter(({ line }) => line !== "" && !line.startsWith("#"));
  const fail = (problems: ConfigProblem[]) =>
    new ConfigError(
      `Cannot read master key file "${source}": ${formatProblems(problems)}`,
      problems,
    );
  if (lines.length === 0) throw fail([{ path: "", message: "the file holds no key" }]);
  if (lines.length === 1 && !VERSIONED_LINE.test(lines[0].line)) {
    return build([[1, lines[0].line, lines[0].number]], fail);
  }
  const problems: ConfigProblem[] = [];
  const entries: [number, string, number][] = [];
  for (const { line, number } of lines) {
    const match = VERSIONED_LINE.exec(line);
    if (!match) {
      problems.push({ path: `line ${number}`, message: 'is not "<version>:<secret>"' });
    } else {
      entries.push([Number(match[1]), match[2].trim(), number]);
    }
  }
  if (problems.length > 0) throw fail(problems);
  return build(entries, fail);
}

function build(
  entries: [version: number, secret: string, line: number][],
  fail: (problems: ConfigProblem[]) => ConfigError,
): KeyRing {
  const problems: ConfigProblem[] = [];
  const seen = new Set<number>();
  for (const [version, secret, line] of entries) {
    const path = `line ${line}`;
    if (!Number.isSafeInteger(version) || version < 1) {
      problems.push({ path, message: "has a version that is not a positive integer" });
    } else if (seen.has(version)) {
      problems.push({ path, message: `repeats version ${version}` });
    } else if (secret.length < MIN_SECRET_LENGTH) {
      problems.push({ path, message: `has a secret shorter than ${MIN_SECRET_LENGTH} characters` });
    }
    seen.add(version);
  }
  if (problems.length > 0) throw fail(problems);
  return new KeyRing(entries.map(([version, secret]) => [version, secret] as const));
}
