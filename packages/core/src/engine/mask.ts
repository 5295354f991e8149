/**
 * Replaces resolved secret values in text before it leaves the engine (logs, errors, events).
 * Each value is masked with its base64 and URL-encoded forms and, for multi-line values, each line.
 */
export class Masker {
  readonly #needles = new Set<string>();
  #sorted: string[] = [];

  add(value: string): void {
    const forms = [value, Buffer.from(value).toString("base64"), encodeURIComponent(value)];
    for (const line of value.split(/\r?\n/)) forms.push(line);
    let changed = false;
    for (const f of forms) {
      // Very short fragments would mask ordinary text; a 1–3 character secret is not worth that.
      if (f.length >= 4 && !this.#needles.has(f)) {
        this.#needles.add(f);
        changed = true;
      }
    }
    // Longest first, so a value is not half-masked by one of its own lines.
    if (changed) this.#sorted = [...this.#needles].sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.#sorted.length > 0;
  }

  mask(text: string): string {
    if (this.#sorted.length === 0) return text;
    let out = text;
    for (const n of this.#sorted) if (out.includes(n)) out = out.split(n).join("****");
    return out;
  }
}
