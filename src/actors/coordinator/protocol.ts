/**
 * The coordinator's RPC surface. Its message unions (task-graph commands and
 * events) join here when the task graph arrives.
 *
 * @module
 */

/** What `status()` reports. */
export interface CoordinatorStatus {
  /** ISO 8601 time this worker incarnation started. */
  startedAt: string;
  uptimeMs: number;
  actorId: string;
}

/** The coordinator's API, as implemented in the worker. */
export interface CoordinatorApi {
  status(): CoordinatorStatus;
  ping(): "pong";
}
