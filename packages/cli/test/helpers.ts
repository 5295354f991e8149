/** Spawning the real `capstan` binary and flow files for end-to-end tests, each with its own store. */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const root = resolve(import.meta.dirname, "../../..");
export const bin = join(root, "packages/cli/bin/capstan.js");
export const fixture = (name: string) => join(import.meta.dirname, "fixtures", name);

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  /** Resolves once stdout contains `text`. */
  waitFor(text: string | RegExp): Promise<string>;
  done: Promise<Result>;
}

export function tempDir(prefix = "capstan-e2e-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function start(args: string[], home: string, env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, CI: "1", CAPSTAN_HOME: home, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { match: string | RegExp; resolve: (s: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (typeof w.match === "string" ? stdout.includes(w.match) : w.match.test(stdout)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(stdout);
      }
    }
  };
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d;
    check();
  });
  child.stderr!.on("data", (d: Buffer) => (stderr += d));
  const done = new Promise<Result>((res, rej) => {
    child.on("error", rej);
    // "close": the process has exited and been reaped, so its pid no longer looks alive.
    child.on("close", (code, signal) => {
      for (const w of waiters) w.resolve(stdout);
      res({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    done,
    waitFor: (match) =>
      new Promise((res, rej) => {
        waiters.push({ match, resolve: (s) => (typeof match === "string" ? s.includes(match) : match.test(s)) ? res(s) : rej(new Error(`exited before printing ${match}\nstdout: ${stdout}\nstderr: ${stderr}`)) });
        check();
      }),
  };
}

export const capstan = (home: string, ...args: string[]) => start([bin, ...args], home).done;
/** A flow file run directly, as `tsx flow.ts` does (through `main(import.meta, ...)`). */
export const flowFile = (home: string, file: string, args: string[], env: Record<string, string> = {}) => start(["--import", "tsx", file, ...args], home, env);

export function jsonLines<T = any>(text: string): T[] {
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as T);
}
