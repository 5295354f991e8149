/** Registry mapping image patterns (glob or RegExp) to container programs; later registrations win. */

import type { ContainerProgram, ContainerProgramOptions, ContainerProgramRegistry } from "./types.js";
import { globToRegExp } from "../shell/paths.js";

interface Entry {
  pattern: RegExp;
  program: ContainerProgram;
  options: ContainerProgramOptions;
}

/** Glob match over the whole image reference; a pattern without a tag or digest also matches tagged images. */
function compile(image: string | RegExp): RegExp {
  if (image instanceof RegExp) return image;
  const hasTag = /[:@][^/]*$/.test(image);
  const re = globToRegExp(image, undefined, false).source;
  return new RegExp(`^${re}${hasTag ? "" : "(?:[:@].*)?"}$`);
}

export class ProgramRegistry implements ContainerProgramRegistry {
  #entries: Entry[] = [];

  register(image: string | RegExp, program: ContainerProgram, options: ContainerProgramOptions = {}): () => void {
    const entry: Entry = { pattern: compile(image), program, options };
    this.#entries.push(entry);
    return () => {
      this.#entries = this.#entries.filter((e) => e !== entry);
    };
  }

  resolve(image: string): { program: ContainerProgram; options: ContainerProgramOptions } | undefined {
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i];
      if (e && e.pattern.test(image)) return { program: e.program, options: e.options };
    }
    return undefined;
  }
}
