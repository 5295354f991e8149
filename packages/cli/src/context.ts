import type { CliIO } from "@capstan/core";

/** What every command gets: where to write, and where to put its exit code. */
export interface CommandContext {
  io: CliIO;
  exitCode: number;
}
