/**
 * What the call graph knows about one call, and the bounded subtree shape
 * `get`/`load` return. The TypeBox schema is the node type's attribute schema
 * in the metagraph, and checks rows read back from the database.
 *
 * @module
 */
import Type, { type Static } from "typebox";
import { compileSchema } from "@alkdev/operations";
import { ERROR_CODES } from "@hub/errors";

/** The states of a call; every state but `running` is final. */
export const CALL_STATUSES = ["running", "ok", "error", "aborted", "timeout"] as const;
/** A call's state. */
export type CallStatus = typeof CALL_STATUSES[number];

/** Attribute schema of a `call` node. */
export const CallRecordSchema = Type.Object({
  requestId: Type.String(),
  /** The id the client gave its request (an HTTP `x-request-id`), when it gave one. */
  clientRequestId: Type.Optional(Type.String()),
  parentRequestId: Type.Optional(Type.String()),
  rootRequestId: Type.String(),
  operation: Type.String(),
  /** The location id the request was addressed to. */
  location: Type.String(),
  callerKeyId: Type.Optional(Type.String()),
  /** What ran the call when its location is a pool: the spoke id for spoke operations. */
  runner: Type.Optional(Type.String()),
  /** How the call entered the hub (`http`, `mcp`, `ws`, `actor`, `internal`, …). */
  via: Type.String(),
  status: Type.Enum(CALL_STATUSES),
  /** Epoch ms, when this hub saw `call.requested`. */
  startedAt: Type.Number(),
  endedAt: Type.Optional(Type.Number()),
  durationMs: Type.Optional(Type.Number()),
  errorCode: Type.Optional(Type.Enum(ERROR_CODES)),
  deadline: Type.Number(),
});

/** One call. */
export type CallRecord = Static<typeof CallRecordSchema>;

/** A call and its children, as far as the bounds allowed. */
export interface CallTree {
  call: CallRecord;
  children: CallTree[];
  /** Set when some descendants were left out (depth or size bound). */
  truncated?: true;
}

/** Limits of a subtree read. */
export interface TreeBounds {
  /** Levels below the requested call; default 32. */
  maxDepth?: number;
  /** Calls in the result; default 1000. */
  maxNodes?: number;
}

/** The bounds with their defaults applied. */
export function treeBounds(bounds: TreeBounds = {}): Required<TreeBounds> {
  return { maxDepth: bounds.maxDepth ?? 32, maxNodes: bounds.maxNodes ?? 1000 };
}

const recordValidator = compileSchema(CallRecordSchema, "call record schema");

/** True when `value` is a well-formed call record (rows from another hub or version). */
export function isCallRecord(value: unknown): value is CallRecord {
  return recordValidator.Check(value);
}

/**
 * Builds the subtree of `rootId` breadth-first, so a size bound keeps the
 * levels nearest the requested call. `childrenOf` returns child ids.
 */
export function buildTree(
  rootId: string,
  recordOf: (requestId: string) => CallRecord | undefined,
  childrenOf: (requestId: string) => readonly string[],
  bounds: TreeBounds = {},
): CallTree | undefined {
  const { maxDepth, maxNodes } = treeBounds(bounds);
  const root = recordOf(rootId);
  if (!root) return undefined;
  const tree: CallTree = { call: root, children: [] };
  let count = 1;
  const queue: { node: CallTree; depth: number }[] = [{ node: tree, depth: 0 }];
  for (let i = 0; i < queue.length; i++) {
    const { node, depth } = queue[i];
    const childIds = childrenOf(node.call.requestId);
    if (childIds.length === 0) continue;
    if (depth >= maxDepth) {
      node.truncated = true;
      continue;
    }
    const children = childIds.map(recordOf).filter((call): call is CallRecord => call !== undefined)
      .sort((a, b) => a.startedAt - b.startedAt);
    for (const call of children) {
      if (count >= maxNodes) {
        node.truncated = true;
        break;
      }
      const child: CallTree = { call, children: [] };
      node.children.push(child);
      queue.push({ node: child, depth: depth + 1 });
      count += 1;
    }
  }
  return tree;
}
