/**
 * Spokes on the hub side: the `/ws` endpoint (authentication, the frame
 * protocol of `src/spoke/protocol.ts`, limits, heartbeats), registration of
 * spoke operations in the operations directory, and the `RunnerPool` that
 * dispatches their calls to the least-loaded spoke.
 *
 * ```ts ignore
 * const spokes = createSpokeServer({ registry, pubsub, verifier: () => verifier, log });
 * app.get("/ws", (c) => spokes.handle(c));   // before the bearer middleware
 * app.route("/api/v1", spokeRoutes(spokes)); // GET /api/v1/spokes
 * await spokes.close();                      // at shutdown
 * ```
 *
 * @module
 */
export {
  createSpokeServer,
  type SpokeServer,
  type SpokeServerOptions,
  type SpokeServerStats,
} from "./spoke_server.ts";
export type { ConnectionSettings, SpokeInfo } from "./spoke_connection.ts";
export {
  type Outcome,
  type Runner,
  RunnerPool,
  type RunnerPoolOptions,
  type RunnerPoolStats,
  SPOKES_LOCATION,
} from "./runner_pool.ts";
export {
  allowedNamespaces,
  checkRegistration,
  type ParsedOperation,
  RESERVED_NAMESPACES,
} from "./registration.ts";
export { spokeRoutes } from "../http/routes/spokes.ts";
