/** Every chaos scenario, in a fixed order: a seed picks among them, so the order is part of reproducing a run. */
import type { Scenario } from "../scenario.ts";
import { blueprintScenarios } from "./blueprints.ts";
import { tasksScenario } from "./tasks.ts";

export const ALL_SCENARIOS: readonly Scenario[] = [tasksScenario, ...blueprintScenarios];
