/**
 * `capstan resume <id>`: continues an interrupted execution (killed process, lost machine, server
 * shut down past its deadline) under the same id. Finished steps are not run again: their recorded
 * outputs are reused. Steps that were running are run again with their last checkpoint, except
 * steps declared `idempotent: false`: then resume stops with exit code 3 and says which step to
 * check, until it is confirmed with `--rerun <step>`.
 */
import { Command } from "commander";
import { CapstanError, EXIT, ExecutionStore, formatError, resumePlan, runWithFlags, unsafeSteps } from "@capstan/core";
import type { CommandContext } from "../context.js";
import { addContinueOptions, recordedFlow, refuseLive, runFlags, type ContinueFlags } from "./continue.js";

export function resumeCommand(ctx: CommandContext): Command {
  return addContinueOptions(new Command("resume"))
    .description("continue an interrupted execution without re-running its finished steps; exit 3 if a non-idempotent step needs confirmation")
    .argument("<id>", "execution id (or a unique prefix)")
    .option("--rerun <step>", "run this interrupted non-idempotent step again (id or path; repeatable)", (v: string, prev: string[]) => [...prev, v], [] as string[])
    .action(async (idArg: string, flags: ContinueFlags & { rerun: string[] }) => {
      const store = new ExecutionStore();
      const ex = await store.get(idArg);
      refuseLive(ex);
      if (ex.state !== "INTERRUPTED") {
        throw new CapstanError("CAPSTAN_RESUME_FINISHED", `execution ${ex.id} already ended ${ex.state}; there is nothing to resume`, {
          hint: ex.state === "SUCCESS" ? "start a new run with `capstan run`" : `run it again from a step with \`capstan restart ${ex.id} --from <step>\``,
          retryable: false,
        });
      }
      const flow = await recordedFlow(ex, flags.file);
      const plan = resumePlan(flow.compile(), await store.events(ex.id), flags.rerun);
      if (plan.blocked.length) {
        const err = new CapstanError(
          "CAPSTAN_RESUME_UNSAFE",
          `execution ${ex.id} stopped while ${plan.blocked.map((p) => `"${p}"`).join(", ")} ${plan.blocked.length === 1 ? "was" : "were"} running, and ${plan.blocked.length === 1 ? "it is" : "they are"} declared idempotent: false: running ${plan.blocked.length === 1 ? "it" : "them"} again could repeat ${plan.blocked.length === 1 ? "its" : "their"} effect`,
          { hint: `check whether it took effect, then resume with ${plan.blocked.map((p) => `--rerun ${p}`).join(" ")}`, retryable: false },
        );
        ctx.io.stderr.write(`${formatError(err)}\n`);
        ctx.exitCode = EXIT.resumeBlocked;
        return;
      }
      const recorder = store.reopen(ex.id, plan.state.rerun, unsafeSteps(flow.compile()));
      ctx.exitCode = await runWithFlags(flow, runFlags(flags), ctx.io, { store, continue: { recorder, inputs: ex.inputs, labels: ex.labels, resume: plan.state } });
    });
}
