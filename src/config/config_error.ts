import { HubError } from "@hub/errors";

/**
 * One problem with the configuration: where it is (a JSON pointer such as
 * `/server/port`, a flag such as `--port`, a variable such as `HUB_PORT`,
 * `line 3` of the master key file, or `""` for the whole file) and what is
 * wrong, never the value itself.
 */
export interface ConfigProblem {
  path: string;
  message: string;
}

/**
 * Every configuration failure: a bad config file, flag, environment variable
 * or master key file. Carries all problems found, so a user fixes them in one
 * pass instead of one per restart.
 */
export class ConfigError extends HubError {
  readonly problems: readonly ConfigProblem[];

  constructor(message: string, problems: ConfigProblem[], options: { cause?: unknown } = {}) {
    super("bad_request", message, { cause: options.cause, details: { problems } });
    this.problems = problems;
  }
}

/** `/server/port must be integer; /foo is not a known field` (a problem of the whole file has no path). */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => p.path === "" ? p.message : `${p.path} ${p.message}`).join("; ");
}

/** A ConfigError for one input (`--port`, `HUB_PORT`) in the flag/env form of message. */
export function invalidValue(source: string, message: string): ConfigError {
  return new ConfigError(`Invalid value for ${source}: ${message}`, [{ path: source, message }]);
}

/** A short, quoted echo of a user-typed value that is not a secret (a port, a boolean). */
export function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
