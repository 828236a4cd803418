/**
 * The supervisor: startup sequence, HTTP app, actor lifecycle, shutdown.
 *
 * ```ts
 * import { startHub } from "./mod.ts";
 * const hub = await startHub({ flags: { port: 0 }, env: {} });
 * console.log((await hub.health()).status); // "ok"
 * await hub.stop();
 * ```
 *
 * @module
 */
export { type Hub, type HubOptions, startHub } from "./hub.ts";
export type { HealthReport } from "./health.ts";
export { openStorage, type Storage } from "./startup/services.ts";
export { STARTUP_STEPS, StartupError, type StartupStep } from "./startup/steps.ts";
