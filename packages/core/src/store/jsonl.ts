/**
 * Append-only JSON lines, read tolerantly. A record is written one line per `write(2)`, so a
 * process killed at any point leaves whole lines plus at most one torn last line (no newline):
 * the reader drops it, and a writer taking the record over cuts it off before appending. Lines
 * that do not parse (a machine crash can leave zeroed blocks behind unsynced writes) are skipped.
 */
import { closeSync, fstatSync, ftruncateSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

export interface ReadResult<T> {
  readonly lines: T[];
  /** Byte offset just past the last complete line: where the next read (or append) starts. */
  readonly end: number;
  /** A partial last line was found (and dropped). */
  readonly torn: boolean;
  /** Complete lines that did not parse. */
  readonly corrupt: number;
}

const NL = 0x0a;

/** Splits complete lines out of `buf` (which starts at file offset `base`). */
export function parseLines<T>(buf: Buffer, base = 0): ReadResult<T> {
  const lines: T[] = [];
  let start = 0;
  let corrupt = 0;
  for (let i = buf.indexOf(NL); i !== -1; i = buf.indexOf(NL, start)) {
    if (i > start) {
      try {
        lines.push(JSON.parse(buf.toString("utf8", start, i)) as T);
      } catch {
        corrupt++;
      }
    }
    start = i + 1;
  }
  return { lines, end: base + start, torn: start < buf.length, corrupt };
}

/** Reads the complete lines of `path` from byte `offset` on. */
export async function readLinesFrom<T>(path: string, offset = 0): Promise<ReadResult<T>> {
  const fh = await open(path, "r");
  try {
    const { size } = await fh.stat();
    if (size <= offset) return { lines: [], end: offset, torn: false, corrupt: 0 };
    const buf = Buffer.allocUnsafe(size - offset);
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return parseLines<T>(got === buf.length ? buf : buf.subarray(0, got), offset);
  } finally {
    await fh.close();
  }
}

/** Reads up to `max` bytes at `position` (fewer at the end of the file). */
export async function readRange(path: string, position: number, max: number): Promise<Buffer> {
  const fh = await open(path, "r");
  try {
    const buf = Buffer.allocUnsafe(max);
    const { bytesRead } = await fh.read(buf, 0, max, position);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/**
 * Opens `path` for appending after cutting off a torn last line, so the next line starts clean.
 * Synchronous: a recorder opens before the run's first event, which is emitted synchronously.
 */
export function openForAppend(path: string): number {
  const fd = openSync(path, "a+");
  try {
    const size = fstatSync(fd).size;
    if (size > 0) {
      const end = lastNewlineEnd(fd, size);
      if (end < size) ftruncateSync(fd, end);
    }
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Offset just past the last newline of the file (0 if none), scanning backwards in chunks. */
function lastNewlineEnd(fd: number, size: number): number {
  const chunk = Buffer.allocUnsafe(64 * 1024);
  for (let pos = size; pos > 0; ) {
    const len = Math.min(chunk.length, pos);
    pos -= len;
    readSync(fd, chunk, 0, len, pos);
    const i = chunk.subarray(0, len).lastIndexOf(NL);
    if (i !== -1) return pos + i + 1;
  }
  return 0;
}

/**
 * JSON for one line. Step outputs are user values: a BigInt or a cycle must not crash the run, so
 * those are written as descriptive strings instead.
 */
export function toLine(value: unknown): string {
  try {
    return `${JSON.stringify(value)}\n`;
  } catch {
    const seen = new WeakSet<object>();
    return `${JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    })}\n`;
  }
}
