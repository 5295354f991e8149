/**
 * Kestra's log protocol for passing values out of a container: a log line that is exactly
 * `::{"outputs":{...}}::` sets `vars` (later lines override earlier keys); `"logs":[{level,message}]`
 * logs at a level. Such lines are consumed, not logged. Anything else is an ordinary line.
 */
import type { LogLevel } from "@capstan/core";

export interface Directive {
  outputs?: Record<string, unknown>;
  logs?: { level: LogLevel; message: string }[];
}

const LEVELS: Record<string, LogLevel> = { trace: "debug", debug: "debug", info: "info", warn: "warn", warning: "warn", error: "error" };

/** The directive a line carries, or undefined for an ordinary log line. */
export function parseDirective(line: string): Directive | undefined {
  const text = line.trim();
  if (!text.startsWith("::{") || !text.endsWith("}::")) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(2, -2));
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const out: Directive = {};
  if (isObject(value.outputs)) out.outputs = value.outputs;
  if (Array.isArray(value.logs)) {
    out.logs = value.logs.filter(isObject).map((l) => ({ level: LEVELS[String(l.level ?? "info").toLowerCase()] ?? "info", message: String(l.message ?? "") }));
  }
  // A JSON line without any key we understand is an ordinary line (e.g. a structured log).
  return out.outputs || out.logs ? out : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
