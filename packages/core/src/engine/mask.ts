/**
 * Masking: every resolved secret value is replaced by `****` before text leaves the engine (logs,
 * errors, events, stored outputs). Exact matching alone leaks (Kestra, GitHub Actions), so each
 * value is registered with the forms it commonly takes in output:
 *
 * - the value itself and its JSON-escaped form (a multi-line value inside a JSON string);
 * - each line of a multi-line value (a PEM key logged line by line);
 * - base64 and base64url, also as found *inside* a longer encoding (`base64("user:" + value)`):
 *   the three byte alignments each yield a stable run of characters;
 * - URL-encoded (`encodeURIComponent`, form encoding with `+`, lower-case escapes).
 *
 * Forms shorter than 4 characters are not masked: they would blank ordinary text.
 * `stream()` masks text that arrives in chunks (pod logs), holding back just enough of the tail to
 * catch a value split across two chunks.
 */
export const MASK = "****";
/** Shorter forms are not masked: they would blank ordinary words. */
export const MIN_MASK_LENGTH = 4;

/** A value registered with a masker, and what registered it (for leak reports: never print `value`). */
export interface RegisteredSecret {
  readonly name: string;
  readonly value: string;
}

export class Masker {
  readonly #needles = new Set<string>();
  #sorted: string[] = [];
  /** value -> name; insertion-ordered, first name wins. */
  readonly #names = new Map<string, string>();

  /** `name` says where the value came from (`secret "TOKEN"`); it is only used in leak reports. */
  add(value: string, name = "a value registered with the masker"): void {
    // Encodings of a value too short to mask would still give it away by elimination.
    if (value.length < MIN_MASK_LENGTH) return;
    if (!this.#names.has(value)) this.#names.set(value, name);
    let changed = false;
    for (const f of formsOf(value)) {
      if (f.length >= MIN_MASK_LENGTH && !this.#needles.has(f)) {
        this.#needles.add(f);
        changed = true;
      }
    }
    // Longest first, so a value is not half-masked by one of its own lines.
    if (changed) {
      this.#sorted = [...this.#needles].sort((a, b) => b.length - a.length);
      this.#bytes = undefined;
    }
  }

  #bytes: Buffer[] | undefined;
  /** The needles as UTF-8 bytes, longest first (built on first binary use). */
  get byteNeedles(): readonly Buffer[] {
    return (this.#bytes ??= this.#sorted.map((n) => Buffer.from(n, "utf8")));
  }

  /**
   * Binary data with every form's bytes overwritten by `*` bytes of the same length, so sizes and
   * offsets inside a binary format (a tar, a core dump) stay valid. Returns `bytes` itself when
   * nothing matched; otherwise a copy.
   */
  maskBytes(bytes: Uint8Array): Uint8Array {
    if (this.#sorted.length === 0) return bytes;
    let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let copied = false;
    for (const n of this.byteNeedles) {
      for (let i = buf.indexOf(n); i !== -1; i = buf.indexOf(n, i + n.length)) {
        if (!copied) {
          buf = Buffer.from(buf);
          copied = true;
        }
        buf.fill(STAR, i, i + n.length);
      }
    }
    return copied ? buf : bytes;
  }

  get active(): boolean {
    return this.#sorted.length > 0;
  }

  /** Every value registered (4 characters or more), in order, with its name. */
  registered(): RegisteredSecret[] {
    return [...this.#names].map(([value, name]) => ({ name, value }));
  }

  /** Every string masked, longest first. */
  get needles(): readonly string[] {
    return this.#sorted;
  }

  mask(text: string): string {
    if (this.#sorted.length === 0) return text;
    let out = text;
    for (const n of this.#sorted) if (out.includes(n)) out = out.split(n).join(MASK);
    return out;
  }

  /**
   * A copy of `value` with every string (object keys too) masked, walking plain objects and
   * arrays; other objects are kept as they are. Returns `value` itself when nothing changed.
   */
  maskValue<T>(value: T): T {
    if (this.#sorted.length === 0) return value;
    return this.#maskDeep(value, 0) as T;
  }

  #maskDeep(value: unknown, depth: number): unknown {
    if (typeof value === "string") return this.mask(value);
    if (depth > 100 || typeof value !== "object" || value === null) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const m = this.#maskDeep(value[i], depth + 1);
        if (m !== value[i]) (copy ??= value.slice())[i] = m;
      }
      return copy ?? value;
    }
    if (value instanceof Error) {
      const message = this.mask(value.message);
      return message === value.message ? value : Object.assign(new Error(message), { name: value.name });
    }
    if (!isDataObject(value)) return value;
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const mk = this.mask(k);
      const mv = this.#maskDeep(v, depth + 1);
      if (mk !== k || mv !== v) changed = true;
      out[mk] = mv;
    }
    return changed ? out : value;
  }

  /** A masker for one stream of chunks; values registered later are masked from then on. */
  stream(): StreamMasker {
    return new StreamMasker(this);
  }
}

/**
 * Masks a stream whose chunks may split a secret anywhere (even inside a UTF-8 character).
 * `write` returns the text that is safe to emit now; `end` returns the rest.
 */
export class StreamMasker {
  readonly #masker: Masker;
  readonly #decoder = new TextDecoder();
  #pending = "";

  constructor(masker: Masker) {
    this.#masker = masker;
  }

  write(chunk: string | Uint8Array): string {
    this.#pending += typeof chunk === "string" ? chunk : this.#decoder.decode(chunk, { stream: true });
    return this.#drain(false);
  }

  /** Emits what is held back. Call at the end of the stream (or when it goes quiet). */
  end(): string {
    this.#pending += this.#decoder.decode();
    return this.#drain(true);
  }

  #drain(final: boolean): string {
    const buf = this.#pending;
    const needles = this.#masker.needles;
    if (needles.length === 0 || final) {
      this.#pending = "";
      return this.#masker.mask(buf);
    }
    // Hold back the longest tail that could be the start of a value...
    let cut = buf.length - heldTail(buf, needles);
    // ...and never cut through a value that is already complete in the buffer.
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const n of needles) {
        const i = buf.indexOf(n, Math.max(0, cut - n.length + 1));
        if (i !== -1 && i < cut && i + n.length > cut) {
          cut = i;
          moved = true;
        }
      }
    }
    this.#pending = buf.slice(cut);
    return this.#masker.mask(buf.slice(0, cut));
  }
}

const STAR = 0x2a;

/**
 * `maskBytes` for a stream of binary chunks: holds back the last (longest needle - 1) bytes so a
 * value split across chunks is still overwritten. Output has exactly the input's bytes and length.
 */
export class ByteStreamMasker {
  readonly #masker: Masker;
  #held: Buffer = Buffer.alloc(0);

  constructor(masker: Masker) {
    this.#masker = masker;
  }

  write(chunk: Uint8Array): Uint8Array {
    const buf = Buffer.concat([this.#held, chunk]);
    const masked = this.#masker.maskBytes(buf);
    const keep = Math.max(0, ...this.#masker.byteNeedles.map((n) => n.length - 1));
    // Every match starting before the cut ends inside `buf`, so it was masked whole.
    const cut = Math.max(0, masked.byteLength - keep);
    this.#held = Buffer.from(masked.subarray(cut));
    return masked.subarray(0, cut);
  }

  end(): Uint8Array {
    const rest = this.#masker.maskBytes(this.#held);
    this.#held = Buffer.alloc(0);
    return rest;
  }
}

/** Length of the longest suffix of `buf` that is a proper prefix of some needle. */
function heldTail(buf: string, needles: readonly string[]): number {
  let best = 0;
  for (const n of needles) {
    const first = n[0]!;
    // Only suffixes longer than the best so far matter.
    let i = buf.indexOf(first, Math.max(0, buf.length - n.length + 1));
    while (i !== -1 && buf.length - i > best) {
      if (n.startsWith(buf.slice(i))) {
        best = buf.length - i;
        break;
      }
      i = buf.indexOf(first, i + 1);
    }
  }
  return best;
}

/**
 * A plain data object: its prototype chain has no class prototype (scope outputs inherit from the
 * enclosing scope's outputs, which are data too). Class instances (Date, Map, clients) are not walked.
 */
function isDataObject(value: object): boolean {
  for (let p = Object.getPrototypeOf(value); p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    if (Object.hasOwn(p, "constructor")) return false;
  }
  return true;
}

/** The forms a value commonly takes in output (see the module comment). */
export function formsOf(value: string): string[] {
  return encodedForms(value).map((f) => f.form);
}

/** One form of a value and the name of its encoding, as leak reports print it. */
export interface EncodedForm {
  readonly form: string;
  readonly encoding: string;
}

/**
 * `formsOf` with each form's encoding named: whole encodings first, then runs found inside a
 * longer encoding. Forms shorter than MIN_MASK_LENGTH included (callers filter); a duplicate keeps
 * its first encoding.
 */
export function encodedForms(value: string): EncodedForm[] {
  const out: EncodedForm[] = [{ form: value, encoding: "exact" }];
  const json = JSON.stringify(value).slice(1, -1);
  if (json !== value) out.push({ form: json, encoding: "JSON-escaped" });
  const lines = value.split(/\r?\n/);
  if (lines.length > 1) for (const line of lines) out.push({ form: line, encoding: "one line" }, { form: line.trim(), encoding: "one line" });
  const b64 = base64Forms(value);
  out.push(...b64.filter((f) => !f.inner));
  // Percent-encoding (encodeURIComponent) and form encoding (URLSearchParams), each also with
  // the lower-case escapes some encoders emit.
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  for (const [encoded, encoding] of [[encodeURIComponent(value), "URL-encoded"], [form, "form-encoded"]] as const) {
    if (encoded !== value) out.push({ form: encoded, encoding }, { form: encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()), encoding: `${encoding} (lower-case escapes)` });
  }
  out.push(...b64.filter((f) => f.inner));
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.form) && seen.add(f.form)).map(({ form, encoding }) => ({ form, encoding }));
}

/**
 * The full base64 encoding, and for each byte alignment the run of characters that depends on the
 * value's bytes alone, so the value is found inside a longer encoding too. Also base64url.
 */
function base64Forms(value: string): (EncodedForm & { inner: boolean })[] {
  const bytes = Buffer.from(value, "utf8");
  const out = [{ form: bytes.toString("base64"), encoding: "base64", inner: false }];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    // Characters mixing bits of the neighbouring bytes vary with context: keep only the stable run.
    const stable = encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
    out.push({ form: stable, encoding: "base64 (inside a longer encoding)", inner: true });
  }
  for (const f of out.slice()) {
    const url = f.form.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    if (url !== f.form) out.push({ ...f, form: url, encoding: f.encoding.replace("base64", "base64url") });
  }
  return out;
}
