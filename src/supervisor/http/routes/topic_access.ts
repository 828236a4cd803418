import { hasScope } from "@alkdev/operations";
import { HubError } from "@hub/errors";

/** Most topics one event stream may subscribe to. */
export const MAX_TOPICS = 32;

// One ":" at most: types never contain one and the hub's ids do not either, so a
// topic with more would wait in silence for an id nothing publishes.
const TOPIC = /^[A-Za-z0-9_.-]{1,128}(?::[A-Za-z0-9_.@-]{1,256})?$/;

/**
 * Topics carrying other callers' data — call inputs and outputs, key
 * revocations — are for admins; every other topic needs `events`.
 */
const ADMIN_PREFIXES = ["call.", "auth."];

/** A topic as a pubsub subscription: `type` or `type:id`. */
export interface Topic {
  readonly type: string;
  readonly id?: string;
}

/** Parses and authorises the `topic` query values of an event stream. */
export function parseTopics(values: readonly string[], scopes: readonly string[]): Topic[] {
  if (values.length === 0) throw new HubError("bad_request", "Missing ?topic= (one or more)");
  if (values.length > MAX_TOPICS) {
    throw new HubError("bad_request", `Too many topics: ${values.length} (at most ${MAX_TOPICS})`);
  }
  return [...new Set(values)].map((value) => {
    if (!TOPIC.test(value) || value.startsWith("__")) {
      throw new HubError(
        "bad_request",
        `Invalid topic "${value.slice(0, 64)}": expected type or type:id ` +
          `(letters, digits, "_", ".", "-"; the id also "@"; one ":" at most)`,
      );
    }
    const required = ADMIN_PREFIXES.some((prefix) => value.startsWith(prefix)) ? "admin" : "events";
    if (!hasScope(scopes, required)) {
      throw new HubError(
        "forbidden",
        `Cannot subscribe to "${value}": scope "${required}" is required`,
      );
    }
    const colon = value.indexOf(":");
    return colon < 0
      ? { type: value }
      : { type: value.slice(0, colon), id: value.slice(colon + 1) };
  });
}
