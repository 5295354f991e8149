/**
 * `capstan restart <id> --from <step>`: runs a finished (typically failed) execution again as a new
 * execution, from the chosen step: that step and everything downstream of it run again, every
 * other step's recorded output is reused, and `errors`/`finally` run again. The old record stays.
 */
import { Command } from "commander";
import { ExecutionStore, restartPlan, runWithFlags, unsafeSteps } from "@capstan/core";
import type { CommandContext } from "../context.js";
import { addContinueOptions, recordedFlow, refuseLive, runFlags, type ContinueFlags } from "./continue.js";

export function restartCommand(ctx: CommandContext): Command {
  return addContinueOptions(new Command("restart"))
    .description("run an execution again from a step, reusing the outputs of the steps before it (a new execution)")
    .argument("<id>", "execution id (or a unique prefix)")
    .requiredOption("--from <step>", "the step to start from: an id (`deploy`) or a path (`rollout[2].deploy`)")
    .action(async (idArg: string, flags: ContinueFlags & { from: string }) => {
      const store = new ExecutionStore();
      const ex = await store.get(idArg);
      refuseLive(ex);
      const flow = await recordedFlow(ex, flags.file);
      const resume = restartPlan(flow.compile(), await store.events(ex.id), flags.from);
      const recorder = store.begin({ flowId: flow.id, inputs: ex.inputs, labels: ex.labels, trigger: { type: "restart", executionId: ex.id, from: flags.from }, unsafeStep: unsafeSteps(flow.compile()), ...(ex.flowFile ? { flowFile: flags.file ?? ex.flowFile } : {}) });
      if (flags.output !== "json") ctx.io.stdout.write(`restarting ${ex.id} from ${flags.from}\n`);
      ctx.exitCode = await runWithFlags(flow, runFlags(flags), ctx.io, { store, continue: { recorder, inputs: ex.inputs, labels: ex.labels, resume } });
    });
}
