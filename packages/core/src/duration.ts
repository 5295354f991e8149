import { CapstanError } from "./errors.js";

/** A duration: milliseconds as a number, or a string such as `"500ms"`, `"30s"`, `"2m"`, `"1h30m"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h"}` | (string & {});

const UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function toMs(value: Duration, field = "duration"): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw badDuration(field, String(value));
    return value;
  }
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value))) {
    total += Number(m[1]) * UNIT[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== value.length) throw badDuration(field, value);
  return total;
}

function badDuration(field: string, value: string): CapstanError {
  return new CapstanError("CAPSTAN_FLOW_INVALID", `${field}: "${value}" is not a duration`, {
    hint: 'use milliseconds (a number) or a string like "500ms", "30s", "2m", "1h30m"',
    retryable: false,
  });
}
