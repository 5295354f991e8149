/** An in-memory pipe: one side is an Output, the other an async iterable of chunks. */

import { toBytes, type Output } from "./io.js";

export class Pipe implements Output, AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = [];
  #waiters: (() => void)[] = [];
  #closed = false;

  write(chunk: string | Uint8Array): void {
    if (this.#closed) return;
    const bytes = toBytes(chunk);
    if (bytes.length === 0) return;
    this.#chunks.push(bytes);
    this.#wake();
  }

  close(): void {
    this.#closed = true;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters.splice(0);
    for (const w of waiters) w();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const next = this.#chunks.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#closed) return;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }
}
