/**
 * Terminal reporters. `pretty` (a TTY) redraws a live tree of steps with spinners, durations and
 * retries, logs scrolling above it; `plain` (CI, pipes) prints one line per event; `json` prints one
 * JSON event per line for machines.
 */
import pc from "picocolors";
import type { ExecutionEvent } from "../engine/events.js";
import { RunModel } from "./model.js";
import { firstLine, time, treeLines } from "./format.js";
import { formatMs } from "../errors.js";

export interface Reporter {
  onEvent(e: ExecutionEvent): void;
  /** Stops redrawing and leaves the final tree on screen. */
  close(): void;
}

export type ReporterKind = "pretty" | "plain" | "json";

export function createReporter(kind: ReporterKind, out: NodeJS.WriteStream | NodeJS.WritableStream): Reporter {
  if (kind === "json") return jsonReporter(out);
  if (kind === "pretty") return prettyReporter(out as NodeJS.WriteStream);
  return plainReporter(out);
}

function jsonReporter(out: NodeJS.WritableStream): Reporter {
  return {
    onEvent: (e) => out.write(`${JSON.stringify({ ...e, time: new Date(e.time).toISOString() })}\n`),
    close() {},
  };
}

function plainReporter(out: NodeJS.WritableStream): Reporter {
  const c = pc.createColors(false);
  const w = (t: number, s: string) => out.write(`${time(t)} ${s}\n`);
  return {
    onEvent(e) {
      switch (e.type) {
        case "execution.started":
          return w(e.time, `flow ${e.flowId} started (execution ${e.executionId})`);
        case "step.started":
          if (e.attempt > 1) return w(e.time, `▶ ${e.path} attempt ${e.attempt}`);
          return w(e.time, `▶ ${e.path}${e.task && e.task !== "function" ? ` (${e.task})` : e.kind !== "step" ? ` (${e.kind})` : ""}`);
        case "step.phase":
          return w(e.time, `… ${e.path} ${e.phase}`);
        case "step.retrying":
          return w(e.time, `↻ ${e.path} attempt ${e.attempt} failed: ${firstLine(e.error.message)}; retrying in ${formatMs(e.delayMs)}`);
        case "step.finished": {
          const tag = e.state === "SUCCESS" ? "✔" : e.state === "SKIPPED" ? "○" : e.state === "CANCELLED" ? "■" : e.allowed ? "!" : "✖";
          const err = e.error && e.state === "FAILED" ? `: ${e.error.code}: ${firstLine(e.error.message)}` : "";
          return w(e.time, `${tag} ${e.path} ${e.state.toLowerCase()}${e.state === "SKIPPED" ? "" : ` in ${formatMs(e.durationMs)}`}${e.allowed ? " (failure allowed)" : ""}${err}`);
        }
        case "item.started":
        case "item.finished":
          return;
        case "log":
          return out.write(`${time(e.time)} [${e.path}] ${e.level === "info" ? "" : `${e.level.toUpperCase()} `}${e.message}\n`);
        case "execution.finished":
          return w(e.time, c.bold(`flow ${e.flowId} ${e.state} in ${formatMs(e.durationMs)}`));
      }
    },
    close() {},
  };
}

function prettyReporter(out: NodeJS.WriteStream): Reporter {
  const model = new RunModel();
  // log-update (and the terminal-width code under it) is loaded here, not with @capstan/core
  // (docs/performance.md); the live tree starts once it is, a few tens of milliseconds in.
  let log: ReturnType<typeof import("log-update").createLogUpdate> | undefined;
  let closed = false;
  let frame = 0;
  const text = () => [`${pc.bold(model.flowId)} ${pc.dim(model.executionId)}`, ...treeLines(model.roots, Date.now(), frame)].join("\n");
  const draw = () => {
    frame++;
    log?.(text());
  };
  void import("log-update").then(({ createLogUpdate }) => {
    if (!closed) (log = createLogUpdate(out, { showCursor: false }))(text());
  });
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    onEvent(e) {
      model.apply(e);
      if (e.type === "log") {
        // Logs scroll above the live tree: clear it, print the line, redraw.
        log?.clear();
        const level = e.level === "error" ? pc.red("ERROR ") : e.level === "warn" ? pc.yellow("WARN ") : e.level === "debug" ? pc.dim("DEBUG ") : "";
        out.write(`${pc.dim(`[${e.path}]`)} ${level}${e.message}\n`);
        draw();
      } else if (e.type !== "item.started") draw();
    },
    close() {
      clearInterval(timer);
      closed = true;
      frame++;
      // The final tree stays on screen (written plainly if the live view never started).
      if (log) {
        log(text());
        log.done();
      } else out.write(`${text()}\n`);
    },
  };
}
