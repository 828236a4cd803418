/** Shared fixtures of the config tests. */
import { KeyRing } from "../../src/config/mod.ts";

export const SECRET_V1 = "first-master-secret-0123456789";
export const SECRET_V2 = "second-master-secret-abcdefghij";

/** A key ring holding version 1 only. */
export function ringV1(): KeyRing {
  return new KeyRing([[1, SECRET_V1]]);
}

/** Runs `fn` with a fresh temporary directory, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "hub-config-test-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Writes `data` as JSON to `<dir>/<name>` and returns the path. */
export async function writeJson(dir: string, name: string, data: unknown): Promise<string> {
  const path = `${dir}/${name}`;
  await Deno.writeTextFile(path, typeof data === "string" ? data : JSON.stringify(data));
  return path;
}

/** Flips one bit of the decoded bytes of part `index` of an `enc:v1:` value. */
export function flipByte(value: string, index: number, byte = 0): string {
  const parts = value.split(":");
  const bytes = Uint8Array.fromBase64(parts[index], { alphabet: "base64url" });
  bytes[byte] ^= 0x01;
  parts[index] = bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  return parts.join(":");
}

/** The error `fn` rejects with, failing when it resolves. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Expected an Error, got ${String(error)}`);
  }
  throw new Error("Expected a rejection, but the call resolved");
}

/** The error `fn` throws, failing when it returns. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Expected an Error, got ${String(error)}`);
  }
  throw new Error("Expected a throw, but the call returned");
}
