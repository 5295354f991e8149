/**
 * The secret canary: an execution observer that checks, when a run settles, that no value its
 * masker holds is left anywhere the run left a trace: the result (outputs, step records, error,
 * logs), every event its listener received, every artifact it wrote (text or binary) and its
 * execution record file. A value is looked for in the forms the masker masks (exact, JSON-escaped,
 * base64 and base64url whole or inside a longer encoding, URL- and form-encoded), except single
 * lines of a multi-line value: many are not secret alone (`kind: Config`, a PEM header).
 * Values under MIN_MASK_LENGTH are not masked, so not checked. Reports name the secret, where it
 * was found and the encoding, never the value. Internal: see `@capstan/core/internal`.
 */
import { readFileSync } from "node:fs";
import type { ClosedRecord, ExecutionObserver, SettledExecution } from "./observe.js";
import { MIN_MASK_LENGTH, encodedForms, type RegisteredSecret } from "./mask.js";

export interface Leak {
  readonly executionId: string;
  readonly flowId: string;
  /** How the value was registered: `secret "TOKEN"`, `markSecret in step "read" at .password`. */
  readonly secret: string;
  /** `outputs.train.token`, `log line 3 .message`, `event 7 (step.finished) .output`, `record file … line 4`, `artifact capstan://…`. */
  readonly where: string;
  readonly encoding: string;
}

interface Needle {
  readonly secret: string;
  readonly form: string;
  readonly bytes: Buffer;
  readonly encoding: string;
}

/** One secret's forms, simplest first. */
type Needles = readonly (readonly Needle[])[];

export function needlesFor(secrets: readonly RegisteredSecret[]): Needles {
  return secrets.map(({ name, value }) =>
    encodedForms(value)
      .filter((f) => f.form.length >= MIN_MASK_LENGTH && f.encoding !== "one line")
      .map((f) => ({ secret: name, form: f.form, bytes: Buffer.from(f.form, "utf8"), encoding: f.encoding })),
  );
}

/** Past this many executions whose record is still open, the oldest are forgotten (a long-lived process). */
const MAX_PENDING = 256;

export class SecretCanary implements ExecutionObserver {
  readonly leaks: Leak[] = [];
  /** What was checked: executions seen, those with secrets (scanned), events, artifacts, record files; time spent scanning. */
  readonly stats = { executions: 0, scanned: 0, events: 0, artifacts: 0, records: 0, ms: 0 };
  readonly #onLeak: ((leak: Leak) => void) | undefined;
  /** Executions settled with secrets, waiting for their record file to close. */
  readonly #pending = new Map<string, { flowId: string; needles: Needles }>();
  /** Record files closed before their execution settled (a suspended record). */
  readonly #early = new Map<string, string[]>();

  constructor(onLeak?: (leak: Leak) => void) {
    this.#onLeak = onLeak;
  }

  /** The leaks found so far, removed from `leaks`. */
  take(): Leak[] {
    return this.leaks.splice(0);
  }

  async settled(ex: SettledExecution): Promise<void> {
    this.stats.executions++;
    if (ex.secrets.length === 0) return;
    const t0 = performance.now();
    try {
      await this.#scan(ex);
    } finally {
      this.stats.ms += performance.now() - t0;
    }
  }

  async #scan(ex: SettledExecution): Promise<void> {
    this.stats.scanned++;
    this.stats.events += ex.events.length;
    const needles = needlesFor(ex.secrets);
    const report = this.#reporter(ex.executionId, ex.flowId);
    const { result } = ex;
    walk(result.outputs, "outputs", needles, report);
    walk(result.steps, "steps", needles, report);
    walk(result.error, "error", needles, report);
    walk(result.inputs, "inputs", needles, report);
    walk(result.labels, "labels", needles, report);
    result.logs.forEach((l, i) => walk(l, `log line ${i + 1} `, needles, report));
    ex.events.forEach((e, i) => walk(e, `event ${i + 1} (${e.type}) `, needles, report));
    this.stats.artifacts += await scanArtifacts(ex, needles, report);
    for (const file of this.#early.get(ex.executionId) ?? []) this.stats.records += scanRecord(file, needles, report);
    this.#early.delete(ex.executionId);
    this.#pending.set(ex.executionId, { flowId: ex.flowId, needles });
    if (this.#pending.size > MAX_PENDING) this.#pending.delete(this.#pending.keys().next().value!);
  }

  recordClosed(rec: ClosedRecord): void {
    const p = this.#pending.get(rec.executionId);
    if (!p) {
      const files = this.#early.get(rec.executionId) ?? [];
      if (!files.includes(rec.file)) files.push(rec.file);
      this.#early.set(rec.executionId, files);
      if (this.#early.size > MAX_PENDING) this.#early.delete(this.#early.keys().next().value!);
      return;
    }
    // A resumed run reopens the same file: keep the entry for its next close.
    const t0 = performance.now();
    this.stats.records += scanRecord(rec.file, p.needles, this.#reporter(rec.executionId, p.flowId));
    this.stats.ms += performance.now() - t0;
  }

  #reporter(executionId: string, flowId: string): (n: Needle, where: string) => void {
    const seen = new Set<string>();
    return (n, where) => {
      const key = `${n.secret}\u0000${where}`;
      if (seen.has(key)) return;
      seen.add(key);
      const leak: Leak = { executionId, flowId, secret: n.secret, where: where.trimEnd(), encoding: n.encoding };
      this.leaks.push(leak);
      this.#onLeak?.(leak);
    };
  }
}

/** The first form of each secret found in `text`. */
function scanText(text: string, needles: Needles, found: (n: Needle) => void): void {
  for (const forms of needles) {
    const hit = forms.find((n) => text.includes(n.form));
    if (hit) found(hit);
  }
}

/** Walks what JSON would keep of `value`: plain objects (keys too), arrays, Error messages, bytes. */
function walk(value: unknown, where: string, needles: Needles, report: (n: Needle, where: string) => void, depth = 0): void {
  if (typeof value === "string") return scanText(value, needles, (n) => report(n, where));
  if (typeof value !== "object" || value === null || depth > 100) return;
  if (value instanceof Uint8Array) return scanBytes(Buffer.from(value.buffer, value.byteOffset, value.byteLength), needles, (n) => report(n, where));
  if (value instanceof Error) return walk(value.message, child(where, "message"), needles, report, depth + 1);
  if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`, needles, report, depth + 1));
  if (!isData(value)) return;
  for (const [k, v] of Object.entries(value)) {
    const at = /^[A-Za-z_$][\w$]*$/.test(k) ? child(where, k) : `${where}[${JSON.stringify(k)}]`;
    scanText(k, needles, (n) => report(n, `${at} (the key)`));
    walk(v, at, needles, report, depth + 1);
  }
}

/** `outputs` + `x` is `outputs.x`; a label ending in a space (`log line 3 `) takes the key as is. */
function child(where: string, key: string): string {
  return where.endsWith(" ") ? where + key : `${where}.${key}`;
}

function isData(value: object): boolean {
  for (let p = Object.getPrototypeOf(value); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, "constructor")) return false;
  }
  return true;
}

function scanBytes(bytes: Buffer, needles: Needles, found: (n: Needle) => void): void {
  for (const forms of needles) {
    const hit = forms.find((n) => bytes.includes(n.bytes));
    if (hit) found(hit);
  }
}

/** Returns 1 if the file was read. */
function scanRecord(file: string, needles: Needles, report: (n: Needle, where: string) => void): number {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return 0; // Deleted already (a test's temporary store): nothing left to leak from.
  }
  for (const forms of needles) {
    for (const n of forms) {
      const i = text.indexOf(n.form);
      if (i === -1) continue;
      let line = 1;
      for (let j = text.indexOf("\n"); j !== -1 && j < i; j = text.indexOf("\n", j + 1)) line++;
      report(n, `record file ${file} line ${line}`);
      break;
    }
  }
  return 1;
}

/** Every artifact under the run's prefix or written by it, read as a stream with an overlap. Returns how many. */
async function scanArtifacts(ex: SettledExecution, needles: Needles, report: (n: Needle, where: string) => void): Promise<number> {
  const uris = new Set(ex.written);
  try {
    for (const info of await ex.storage.list(ex.prefix)) uris.add(info.uri);
  } catch {
    // A store that cannot list: the written URIs are still checked.
  }
  const overlap = Math.max(0, ...needles.flat().map((n) => n.bytes.length)) - 1;
  for (const uri of [...uris].sort()) {
    scanText(uri, needles, (n) => report(n, `artifact URI ${uri}`));
    const found = new Set<Needle>();
    try {
      let tail = Buffer.alloc(0);
      for await (const chunk of ex.storage.stream(uri)) {
        const buf = Buffer.concat([tail, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)]);
        scanBytes(buf, needles, (n) => found.add(n));
        tail = buf.subarray(Math.max(0, buf.length - overlap));
      }
    } catch {
      continue; // Deleted meanwhile: nothing stored any more.
    }
    for (const n of found) report(n, `artifact ${uri}`);
  }
  return uris.size;
}
