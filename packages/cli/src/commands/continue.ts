/** What `capstan resume` and `capstan restart` share: output flags, and loading a recorded execution's flow. */
import { Command, Option } from "commander";
import { CapstanError, type AnyFlow, type LogLevel, type RunFlags, type StoredExecution } from "@capstan/core";
import { loadFlow } from "../load.js";

export interface ContinueFlags {
  output?: RunFlags["output"];
  logLevel: LogLevel;
  services?: string;
  debug?: boolean;
  file?: string;
}

export function addContinueOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option("-o, --output <format>", "pretty, plain or json (as for run)").choices(["pretty", "plain", "json"]))
    .addOption(new Option("--log-level <level>", "lowest log level shown").choices(["debug", "info", "warn", "error"]).default("info"))
    .option("--services <file>", "integration settings for the run (as for run)")
    .option("--file <flow.ts>", "the flow file, when it moved since the execution was recorded")
    .option("--debug", "print stack traces of errors");
}

/** Run flags for a continued execution: inputs and labels come from the record, not the command line. */
export function runFlags(f: ContinueFlags): RunFlags {
  return { input: [], inputs: [], label: [], logLevel: f.logLevel, record: true, ...(f.output ? { output: f.output } : {}), ...(f.services ? { services: f.services } : {}), ...(f.debug ? { debug: true } : {}) };
}

export async function recordedFlow(ex: StoredExecution, file: string | undefined): Promise<AnyFlow> {
  const path = file ?? ex.flowFile;
  if (!path) {
    throw new CapstanError("CAPSTAN_USAGE", `execution ${ex.id} was recorded without its flow file`, { hint: "pass the file that defines the flow with --file <flow.ts>", retryable: false });
  }
  return loadFlow(path, ex.flowId);
}

export function refuseLive(ex: StoredExecution): void {
  if (ex.state === "RUNNING" || ex.state === "QUEUED") {
    throw new CapstanError("CAPSTAN_EXECUTION_LOCKED", `execution ${ex.id} is ${ex.state.toLowerCase()} in another process`, { hint: "wait for it to end, or stop that process first", retryable: false });
  }
}
