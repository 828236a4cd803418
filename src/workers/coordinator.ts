/** Worker entry of the coordinator actor: wires its ports and runs it. */
import { createCoordinator } from "../actors/coordinator/mod.ts";
import { runActor } from "./runtime.ts";

runActor((ctx) => createCoordinator({ actorId: ctx.actorId }));
