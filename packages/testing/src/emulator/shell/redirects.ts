/** Redirections: files in the container filesystem plus /dev/null, /dev/stdout and /dev/stderr. */

import type { Redirect } from "./ast.js";
import { Input, type Output } from "./io.js";
import { expandString } from "./expand.js";
import { resolvePath } from "./paths.js";
import type { Io, ShellHost } from "./state.js";

export class RedirectError extends Error {}

/** Applies `>`, `>>`, `<`, `<<`, `>&`, `<&` to a copy of `io` (files go through the container fs). */
export async function applyRedirects(shell: ShellHost, redirects: Redirect[], io: Io): Promise<Io> {
  if (redirects.length === 0) return io;
  const out: Io = { ...io };
  const fs = shell.fs;
  for (const r of redirects) {
    if (r.op === "<<") {
      out.stdin = new Input(await expandString(r.body ?? [], shell.expandEnv()));
      continue;
    }
    const target = await expandString(r.target, shell.expandEnv());
    if (r.op === ">&" || r.op === "<&") {
      if (target === "-") continue;
      const src = target === "0" ? undefined : target === "2" ? out.stderr : out.stdout;
      if (src) {
        if (r.fd === 2) out.stderr = src;
        else if (r.fd === 1) out.stdout = src;
      }
      continue;
    }
    const path = resolvePath(shell.state.cwd, target);
    if (r.op === "<") {
      if (path === "/dev/null") out.stdin = Input.empty();
      else if (path === "/dev/stdin") continue;
      else {
        if (!fs.exists(path)) throw new RedirectError(`can't open ${target}: no such file`);
        out.stdin = new Input(fs.readFile(path));
      }
      continue;
    }
    let sink: Output;
    if (path === "/dev/null") sink = { write: () => {} };
    else if (path === "/dev/stdout") sink = io.stdout;
    else if (path === "/dev/stderr") sink = io.stderr;
    else {
      try {
        if (r.op === ">" ) fs.writeFile(path, "");
        else if (!fs.exists(path)) fs.writeFile(path, "");
      } catch (err) {
        throw new RedirectError(`can't create ${target}: ${err instanceof Error ? err.message : String(err)}`);
      }
      sink = { write: (chunk) => fs.writeFile(path, chunk, { append: true }) };
    }
    if (r.fd === 2) out.stderr = sink;
    else if (r.fd === 1) out.stdout = sink;
  }
  return out;
}
