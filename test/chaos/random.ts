/** The run's seeded generator: one seed decides the scenario, the faults and their parameters. */
import { seededRandom } from "@capstan/testing";

export class Rng {
  readonly #next: () => number;
  constructor(readonly seed: number) {
    this.#next = seededRandom(seed);
  }
  float(): number {
    return this.#next();
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new Error("pick from an empty list");
    return items[Math.floor(this.#next() * items.length)]!;
  }
  /** `n` distinct items, in a random order. */
  sample<T>(items: readonly T[], n: number): T[] {
    const pool = [...items];
    const out: T[] = [];
    while (out.length < n && pool.length) out.push(pool.splice(Math.floor(this.#next() * pool.length), 1)[0]!);
    return out;
  }
}
