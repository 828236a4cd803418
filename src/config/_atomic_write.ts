/**
 * Replacing a file whole: a crash leaves either the old or the new content,
 * never half of each — the master key file and the config file hold what
 * every encrypted value depends on.
 */

/** Writes `text` to a temporary file beside `path` (its real target), syncs it, and renames it over. */
export async function replaceFile(path: string, text: string, mode: number): Promise<void> {
  const target = await Deno.realPath(path);
  const temp = `${target}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  // `mode` applies at creation: the new content is never readable by others.
  const file = await Deno.open(temp, { write: true, createNew: true, mode });
  try {
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    await file.sync();
    file.close();
    if (Deno.build.os !== "windows") await Deno.chmod(temp, mode);
    await Deno.rename(temp, target);
  } catch (error) {
    try {
      file.close();
    } catch { /* already closed */ }
    await Deno.remove(temp).catch(() => {});
    throw error;
  }
}

/** The permission bits of `path` (0600 where the system has none). */
export async function fileMode(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0o600) & 0o777;
}
