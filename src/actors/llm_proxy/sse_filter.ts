/**
 * Watches an upstream chat-completion SSE stream on its way to the client:
 * captures the usage chunk (and drops it when the client did not ask for
 * it), notes an error payload, and counts chunks so an interrupted stream can
 * still be accounted. Bytes that need no change are passed on as they came;
 * only whole events are ever forwarded.
 *
 * @module
 */

/** Token usage as the upstream reports it. */
export interface UpstreamUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Characters of an unfinished event held back; an upstream sending more fails the stream. */
const MAX_PENDING = 1 << 20;

/** See the module doc. */
export class SseFilter {
  /** The usage the upstream reported, if it did. */
  usage: UpstreamUsage | undefined;
  /** Content chunks forwarded (the output estimate when no usage arrives). */
  chunks = 0;
  /** The code of an error payload the upstream sent mid-stream. */
  errorCode: string | null = null;
  readonly #stripUsage: boolean;
  readonly #decoder = new TextDecoder();
  #pending = "";

  constructor(stripUsage: boolean) {
    this.#stripUsage = stripUsage;
  }

  /**
   * Bytes to forward for `bytes` from upstream (the same array when unchanged), or null.
   * Throws when an unfinished event grows past {@linkcode MAX_PENDING}.
   */
  push(bytes: Uint8Array): Uint8Array | null {
    const text = this.#decoder.decode(bytes, { stream: true });
    let all: string;
    // A CRLF may be split across reads (CR at the end of the pending text):
    // normalise after joining, or the event boundary is missed.
    if (text.includes("\r") || this.#pending.endsWith("\r")) {
      all = (this.#pending + text).replaceAll("\r\n", "\n");
    } else if (this.#pending === "" && text.endsWith("\n\n")) {
      // The common case: the chunk holds whole events.
      return this.#inspect(text) ? bytes : this.#rebuild(text);
    } else all = this.#pending + text;
    const cut = all.lastIndexOf("\n\n");
    this.#pending = cut < 0 ? all : all.slice(cut + 2);
    if (this.#pending.length > MAX_PENDING) {
      this.#pending = "";
      throw new Error(`an SSE event exceeds ${MAX_PENDING} characters without ending`);
    }
    return cut < 0 ? null : this.#rebuild(all.slice(0, cut + 2));
  }

  /** What is left at the end of the stream (an unterminated event), passed on as is. */
  flush(): Uint8Array | null {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = "";
    if (rest === "") return null;
    this.#inspect(rest.endsWith("\n\n") ? rest : `${rest}\n\n`);
    return encoder.encode(rest);
  }

  /** Inspects every event of `text`; false when one must be dropped. */
  #inspect(text: string): boolean {
    let keep = true;
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n\n", start);
      if (end < 0) end = text.length;
      if (!this.#event(text.slice(start, end))) keep = false;
      start = end + 2;
    }
    return keep;
  }

  #rebuild(text: string): Uint8Array | null {
    let out = "";
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf("\n\n", start);
      if (end < 0) end = text.length;
      const event = text.slice(start, end);
      if (this.#event(event)) out += `${event}\n\n`;
      start = end + 2;
    }
    return out === "" ? null : encoder.encode(out);
  }

  /** Looks at one event; false to drop it. */
  #event(event: string): boolean {
    if (event === "" || event.startsWith(":")) return true;
    const at = event.indexOf("data:");
    if (at < 0) return true;
    const hasUsage = event.includes('"usage":{') || event.includes('"usage": {');
    const hasError = !hasUsage && event.includes('"error"');
    if (!hasUsage && !hasError) {
      if (!event.includes("[DONE]")) this.chunks++;
      return true;
    }
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(event.slice(at + 5));
    } catch {
      this.chunks++;
      return true;
    }
    if (hasError && typeof data.error === "object" && data.error !== null) {
      const code = (data.error as { code?: unknown }).code;
      this.errorCode = typeof code === "string" ? code : "upstream_error";
      return true;
    }
    if (typeof data.usage === "object" && data.usage !== null) {
      this.usage = data.usage as UpstreamUsage;
      const choices = data.choices;
      // The extra chunk include_usage adds has no choices; the client did not ask for it.
      if (Array.isArray(choices) && choices.length === 0) return !this.#stripUsage;
    }
    this.chunks++;
    return true;
  }
}

/** Usage from a whole (non-streaming) response body, if it reports any. */
export function usageOf(body: Uint8Array): UpstreamUsage | undefined {
  try {
    const parsed = JSON.parse(decoder.decode(body));
    return typeof parsed?.usage === "object" && parsed.usage !== null ? parsed.usage : undefined;
  } catch {
    return undefined;
  }
}
