/** Byte streams for the shell: a readable input with line reads, and output sinks. */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function toBytes(chunk: string | Uint8Array): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

export function toText(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

export function concatBytes(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** A pull-based input over an async iterable of chunks (or fixed bytes), shared by successive readers. */
export class Input {
  #iter: AsyncIterator<Uint8Array> | undefined;
  #buffer: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(source?: AsyncIterable<Uint8Array> | Uint8Array | string) {
    if (source === undefined) this.#done = true;
    else if (typeof source === "string" || source instanceof Uint8Array) {
      this.#buffer = toBytes(source);
      this.#done = true;
    } else this.#iter = source[Symbol.asyncIterator]();
  }

  static empty(): Input {
    return new Input();
  }

  async #fill(): Promise<boolean> {
    if (this.#done || !this.#iter) return false;
    const r = await this.#iter.next();
    if (r.done) {
      this.#done = true;
      return false;
    }
    this.#buffer = concatBytes([this.#buffer, toBytes(r.value)]);
    return true;
  }

  /** Next chunk, or undefined at end of input. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.#buffer.length === 0 && !(await this.#fill())) return undefined;
    const out = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return out;
  }

  async readAll(): Promise<Uint8Array> {
    while (await this.#fill()) {
      // keep filling
    }
    const out = this.#buffer;
    this.#buffer = new Uint8Array(0);
    return out;
  }

  /** One line without its newline, or undefined at end of input. */
  async readLine(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl >= 0) {
        const line = this.#buffer.subarray(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        return toText(line);
      }
      if (!(await this.#fill())) {
        if (this.#buffer.length === 0) return undefined;
        const rest = this.#buffer;
        this.#buffer = new Uint8Array(0);
        return toText(rest);
      }
    }
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      const c = await this.read();
      if (!c) return;
      yield c;
    }
  }
}

export interface Output {
  write(chunk: string | Uint8Array): void;
}

/** Collects written bytes (for pipes, command substitution and tests). */
export class BufferOutput implements Output {
  readonly chunks: Uint8Array[] = [];
  write(chunk: string | Uint8Array): void {
    this.chunks.push(toBytes(chunk));
  }
  bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
  text(): string {
    return toText(this.bytes());
  }
}
