import { HubError } from "@hub/errors";
import { logger } from "../../logging/mod.ts";

/**
 * The startup steps, in the order they run; each name says what runs under it
 * (docs/architecture.md has the table). Steps that do not apply (the lock with
 * an external database, Redis without a URL) still run, doing nothing.
 */
export const STARTUP_STEPS = [
  "load-config",
  "lock-data-dir",
  "init-logger",
  "build-app",
  "start-listener",
  "open-database",
  "run-migrations",
  "connect-redis",
  "check-keyring",
  "start-auth",
  "create-admin-key",
  "start-actors",
  "start-llm-gateway",
  "start-operations",
  "accept-requests",
  "ready",
] as const;

/** One startup step's name. */
export type StartupStep = typeof STARTUP_STEPS[number];

/** Thrown when a step fails; its message names the step and the cause. */
export class StartupError extends HubError {
  readonly step: StartupStep;

  constructor(step: StartupStep, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super("unavailable", `Cannot start hub: step "${step}" failed: ${reason}`, { cause });
    this.step = step;
  }
}

/** Tracks which step is running, so `/health` can say so from the first moment. */
export class StartupProgress {
  #current: StartupStep = STARTUP_STEPS[0];
  #done = false;
  readonly timings: Partial<Record<StartupStep, number>> = {};

  /** The step running now (`ready` once done). */
  get current(): StartupStep {
    return this.#current;
  }

  /** True once the `ready` step has completed. */
  get done(): boolean {
    return this.#done;
  }

  /** Runs one step, in order; a failure becomes a StartupError naming the step. */
  async run<T>(step: StartupStep, work: () => T | Promise<T>): Promise<T> {
    if (STARTUP_STEPS.indexOf(step) < STARTUP_STEPS.indexOf(this.#current)) {
      throw new RangeError(
        `Cannot run startup step "${step}": step "${this.#current}" already ran`,
      );
    }
    this.#current = step;
    const started = performance.now();
    try {
      const result = await work();
      this.timings[step] = Math.round((performance.now() - started) * 10) / 10;
      logger("startup").debug("Step {step} done in {ms} ms", { step, ms: this.timings[step] });
      if (step === "ready") this.#done = true;
      return result;
    } catch (error) {
      if (error instanceof StartupError) throw error;
      throw new StartupError(step, error);
    }
  }
}
