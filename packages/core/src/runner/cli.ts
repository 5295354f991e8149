/**
 * Runs one flow as a command-line program: what `tsx flows/x.ts` (through `main`) and
 * `capstan run <file>` do. Parses `--input`/`--inputs`, prints `--help` from the inputs schema,
 * picks a reporter, handles SIGINT (first: cancel and clean up; second: exit now), and returns the
 * exit code: 0 success, 1 failure, 130 cancelled, 2 bad usage, 3 resume needs confirmation.
 * Every run is recorded in the execution store (`.capstan/` or `$CAPSTAN_HOME`) unless
 * `--no-record` is given, with the flow file's path so `capstan resume` can continue it.
 */
import type { Command } from "commander";
import type { AnyFlow } from "../dsl/flow.js";
import type { Execution } from "../engine/records.js";
import type { ExecutionEvent, LogLevel } from "../engine/events.js";
import type { RunOptions } from "../engine/run.js";
import type { ResumeState } from "../engine/resume.js";
import { ExecutionStore } from "../store/store.js";
import type { Recorder } from "../store/recorder.js";
import { unsafeSteps } from "../store/plan.js";
import { createReporter, type ReporterKind } from "../reporter/reporters.js";
import { summary } from "../reporter/summary.js";
import { describeInputs, loadInputs, loadServices } from "./inputs.js";
import { CancelledError, CapstanError } from "../errors.js";

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where SIGINT/SIGTERM come from; default `process`. Tests pass an EventEmitter. */
  signals?: { on(sig: "SIGINT" | "SIGTERM", fn: () => void): unknown; off(sig: "SIGINT" | "SIGTERM", fn: () => void): unknown };
}

export interface RunCliOptions extends Pick<RunOptions<unknown>, "secrets" | "storage" | "labels" | "cancelGraceMs" | "services"> {
  /** Program name in usage lines. */
  name?: string;
  onExecution?: (ex: Execution) => void;
  /** The flow's file, recorded so `capstan resume` can load the flow again. */
  flowFile?: string;
  /** Where runs are recorded. Default: a store in `$CAPSTAN_HOME` or `.capstan/`. */
  store?: ExecutionStore;
  /**
   * Continue a recorded execution (`capstan resume` / `capstan restart`): its recorder (reopened or
   * new), the recorded inputs and labels, and the resume state.
   */
  continue?: { recorder: Recorder; inputs: unknown; labels: Readonly<Record<string, string>>; resume: ResumeState };
}

export const EXIT = { ok: 0, failed: 1, usage: 2, resumeBlocked: 3, cancelled: 130 } as const;

export function addRunOptions(cmd: Command): Command {
  // createOption, not commander's Option class: commander is loaded by runCli, not with @capstan/core.
  return cmd
    .option("-i, --input <key=value>", "an input value (repeatable; dotted keys for nested fields)", collect, [] as string[])
    .option("--inputs <file>", "inputs from a JSON or YAML file (repeatable; --input wins)", collect, [] as string[])
    .addOption(cmd.createOption("-o, --output <format>", "pretty (live tree), plain (one line per event) or json (one JSON event per line)").choices(["pretty", "plain", "json"]))
    .addOption(cmd.createOption("--log-level <level>", "lowest log level shown").choices(["debug", "info", "warn", "error"]).default("info"))
    .option("--label <key=value>", "a label on the execution (repeatable)", collect, [] as string[])
    .option("--services <file>", "integration settings for the run from YAML/JSON, e.g. kubernetes: { clusters: { prod: { file: ./prod.kubeconfig } } }")
    .option("--debug", "print stack traces of errors")
    .option("--no-record", "do not record the execution (default: recorded in .capstan/ or $CAPSTAN_HOME)");
}

export interface RunFlags {
  input: string[];
  inputs: string[];
  output?: ReporterKind;
  logLevel: LogLevel;
  label: string[];
  services?: string;
  debug?: boolean;
  /** False with --no-record. */
  record?: boolean;
}

export async function runCli(flow: AnyFlow, argv: readonly string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }, options: RunCliOptions = {}): Promise<number> {
  const { Command, CommanderError } = await import("commander");
  const cmd = addRunOptions(new Command(options.name ?? flow.id))
    .description(flow.meta.description ?? `runs the flow "${flow.id}"`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText("after", () => inputsHelp(flow));
  try {
    cmd.parse(argv as string[], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw e;
  }
  return runWithFlags(flow, cmd.opts<RunFlags>(), io, options);
}

export async function runWithFlags(flow: AnyFlow, flags: RunFlags, io: CliIO, options: RunCliOptions = {}): Promise<number> {
  const kind: ReporterKind = flags.output ?? (io.stdout.isTTY && !process.env.CI ? "pretty" : "plain");
  let execution: Execution | undefined;
  const controller = new AbortController();
  const signals = io.signals ?? process;
  let interrupts = 0;
  const onSignal = (sig: "SIGINT" | "SIGTERM") => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write("\ncancelling: stopping running steps and cleaning up (press Ctrl-C again to exit now)\n");
      // The record says why: "the execution was cancelled by SIGINT".
      controller.abort(new CancelledError(`the execution was cancelled by ${sig}`));
    } else {
      process.exit(EXIT.cancelled);
    }
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  let recorder: Recorder | undefined;
  try {
    flow.validate();
    const cont = options.continue;
    const inputs = cont ? cont.inputs : await loadInputs(flow.meta.inputs, flags.input, flags.inputs);
    const labels = cont ? { ...cont.labels } : { ...options.labels, ...Object.fromEntries(flags.label.map(splitPair)) };
    const services = { ...options.services, ...(flags.services ? await loadServices(flags.services) : {}) };
    recorder = cont?.recorder ?? (flags.record === false ? undefined : (options.store ?? new ExecutionStore()).begin({ flowId: flow.id, inputs, labels, trigger: { type: "manual", via: "cli" }, unsafeStep: unsafeSteps(flow.compile()), ...(options.flowFile ? { flowFile: options.flowFile } : {}) }));
    const rec = recorder;
    // Printed once the run starts (invalid inputs start nothing); JSON output stays one event per line.
    let announce = rec !== undefined && kind !== "json";
    const reporter = createReporter(kind, io.stdout);
    signals.on("SIGINT", onSigint);
    signals.on("SIGTERM", onSigterm);
    // Steps that only wait on a signal hold no handle; without this Node would exit 0 mid-run.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      execution = await flow.run({
        inputs,
        signal: controller.signal,
        logLevel: flags.logLevel,
        labels,
        ...(rec ? { executionId: rec.id } : {}),
        ...(cont ? { resume: cont.resume } : {}),
        ...(options.secrets ? { secrets: options.secrets } : {}),
        services,
        ...(options.storage ? { storage: options.storage } : {}),
        ...(options.cancelGraceMs !== undefined ? { cancelGraceMs: options.cancelGraceMs } : {}),
        // Every line is printed and recorded from the events; the in-memory record keeps only the tail.
        keepLogs: 1000,
        onEvent: rec
          ? (e: ExecutionEvent) => {
              rec.onEvent(e);
              if (announce) {
                announce = false;
                io.stdout.write(`execution ${rec.id}\n`);
              }
              reporter.onEvent(e);
            }
          : (e: ExecutionEvent) => reporter.onEvent(e),
      });
      rec?.complete(execution);
    } finally {
      clearInterval(keepAlive);
      reporter.close();
      signals.off("SIGINT", onSigint);
      signals.off("SIGTERM", onSigterm);
    }
  } catch (err) {
    recorder?.close();
    io.stderr.write(`${formatError(err, flags.debug)}\n`);
    return err instanceof CapstanError && err.code === "CAPSTAN_USAGE" ? EXIT.usage : EXIT.failed;
  }
  if (recorder?.error) io.stderr.write(`warning: the execution could not be recorded completely: ${recorder.error.message}\n`);
  options.onExecution?.(execution);
  // The live tree already shows every step: after it, only the verdict and the error.
  if (kind !== "json") io.stdout.write(`\n${summary(execution, kind === "pretty", kind === "plain")}\n`);
  return execution.state === "SUCCESS" ? EXIT.ok : execution.state === "CANCELLED" ? EXIT.cancelled : EXIT.failed;
}

/** What the terminal shows for an error: code, message and hint; the stack only with --debug. */
export function formatError(err: unknown, debug = false): string {
  if (err instanceof CapstanError) return `error: ${err.format()}${debug && err.stack ? `\n${err.stack}` : ""}`;
  const e = err instanceof Error ? err : new Error(String(err));
  return `error: ${e.message}${debug ? `\n${e.stack}` : "\n(run with --debug for the stack trace)"}`;
}

function inputsHelp(flow: AnyFlow): string {
  const rows = describeInputs(flow.meta.inputs);
  if (!rows.length) return "\nThis flow takes no inputs.\n";
  const width = Math.max(...rows.map((r) => r.name.length));
  const typeWidth = Math.max(...rows.map((r) => r.type.length));
  const lines = rows.map((r) => {
    const extra = [r.required ? "required" : r.default !== undefined ? `default ${JSON.stringify(r.default)}` : "optional", r.description].filter(Boolean).join("; ");
    return `  ${r.name.padEnd(width)}  ${r.type.padEnd(typeWidth)}  ${extra}`;
  });
  return `\nInputs (--input name=value):\n${lines.join("\n")}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function splitPair(pair: string): [string, string] {
  const i = pair.indexOf("=");
  if (i <= 0) throw new CapstanError("CAPSTAN_USAGE", `--label ${pair}: expected key=value`, { retryable: false });
  return [pair.slice(0, i), pair.slice(i + 1)];
}
