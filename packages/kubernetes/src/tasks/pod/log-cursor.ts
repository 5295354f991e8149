/**
 * Where one container's log has been read up to, so a stream reopened after a cut (with
 * `sinceTime`) neither loses nor repeats a line. Lines come with the kubelet's RFC 3339 timestamps
 * (`timestamps=true`), which never decrease within a container. The cursor keeps the last
 * timestamp and how many lines carried exactly it; a replay skips lines before it and that many
 * lines at it. The replay asks for `sinceTime` = the cursor's timestamp: servers compare it at
 * their own precision (the kubelet gets whole seconds), always rounding down, so the replay starts
 * at or before the cursor and the overlap is dropped here.
 */

export interface CursorState {
  /** RFC 3339 timestamp of the last line read. */
  time: string;
  /** Lines read that carry exactly `time`. */
  count: number;
}

export interface LogLine {
  /** Comparable key of the timestamp (see timeKey). */
  key: string;
  time: string;
  text: string;
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/;

/**
 * A string that sorts as the instant does: `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn` in UTC. The kubelet
 * trims trailing zeros of the fraction (RFC3339Nano), so raw timestamps do not compare as strings.
 */
export function timeKey(time: string): string | undefined {
  // What the kubelet writes (nanoseconds, UTC) is already its key: checked without the regex,
  // since this runs for every log line.
  if (isCanonical(time)) return time.slice(0, 29);
  const m = RFC3339.exec(time);
  if (!m) return undefined;
  const frac = (m[2] ?? "").padEnd(9, "0");
  if (m[3] === "Z") return `${m[1]}.${frac}`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}`;
}

/** `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: the key form plus a Z. */
const SHAPE = "0000-00-00T00:00:00.000000000Z";
function isCanonical(time: string): boolean {
  if (time.length !== 30) return false;
  for (let i = 0; i < 30; i++) {
    const c = time.charCodeAt(i);
    const want = SHAPE.charCodeAt(i);
    if (want === 48 ? c < 48 || c > 57 : c !== want) return false;
  }
  return true;
}

/** Splits `<timestamp> <text>` as the log endpoint writes it with `timestamps=true`. */
export function parseLine(raw: string): LogLine | undefined {
  const sp = raw.indexOf(" ");
  const time = sp === -1 ? raw : raw.slice(0, sp);
  const key = timeKey(time);
  if (key === undefined) return undefined;
  return { key, time, text: sp === -1 ? "" : raw.slice(sp + 1) };
}

export class LogCursor {
  #key: string | undefined;
  #time: string | undefined;
  #count = 0;
  /** Lines at the cursor's timestamp the current replay still has to skip. */
  #skip = 0;

  constructor(state?: CursorState) {
    if (state) {
      const key = timeKey(state.time);
      if (key !== undefined) {
        this.#key = key;
        this.#time = state.time;
        this.#count = state.count;
      }
    }
  }

  get state(): CursorState | undefined {
    return this.#time === undefined ? undefined : { time: this.#time, count: this.#count };
  }

  /** `sinceTime` for the next request (undefined: from the start). */
  sinceTime(): string | undefined {
    return this.#key === undefined ? undefined : `${this.#key}Z`;
  }

  /** The comparable key of the last line read (see timeKey). */
  get key(): string | undefined {
    return this.#key;
  }

  /** Call when a new stream (a replay from sinceTime) starts. */
  restart(): void {
    this.#skip = this.#count;
  }

  /** True when the line is new (and advances the cursor); false for a line already read. */
  accept(line: LogLine): boolean {
    // A later line (the common case) first: one string comparison per line.
    if (this.#key !== undefined && !(line.key > this.#key)) {
      if (line.key < this.#key) return false;
      if (this.#skip > 0) {
        this.#skip--;
        return false;
      }
      this.#count++;
      return true;
    }
    this.#key = line.key;
    this.#time = line.time;
    this.#count = 1;
    this.#skip = 0;
    return true;
  }
}
