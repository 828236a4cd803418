const encoder = new TextEncoder();

/** Writes a log line to stderr whole: stdout carries a command's output alone, for scripts. */
export function writeStderr(line: string): void {
  const bytes = encoder.encode(line);
  let written = 0;
  while (written < bytes.length) written += Deno.stderr.writeSync(bytes.subarray(written));
}
