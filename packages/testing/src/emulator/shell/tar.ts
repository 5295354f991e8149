/** `tar` (create/extract/list, optional gzip) over the container filesystem, as kubectl cp and client-node Cp use it. */

import * as tarStream from "tar-stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { fail, type CommandContext, type CommandImpl } from "./context.js";
import { concatBytes } from "./io.js";
import { normalizePath } from "./paths.js";

interface TarOptions {
  mode: "c" | "x" | "t" | undefined;
  file: string | undefined;
  dir: string | undefined;
  gzip: boolean;
  verbose: boolean;
  operands: string[];
}

function parseArgs(args: string[]): TarOptions {
  const o: TarOptions = { mode: undefined, file: undefined, dir: undefined, gzip: false, verbose: false, operands: [] };
  const rest = [...args];
  // Old-style first argument without a dash: "cf", "xzf".
  if (rest[0] && !rest[0].startsWith("-")) rest[0] = `-${rest[0]}`;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? "";
    if (a.startsWith("--")) {
      if (a.startsWith("--directory=")) o.dir = a.slice(12);
      else if (a.startsWith("--file=")) o.file = a.slice(7);
      else if (a === "--directory") o.dir = rest[++i];
      else if (a === "--file") o.file = rest[++i];
      else if (a === "--gzip") o.gzip = true;
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (const f of a.slice(1)) {
        if (f === "c" || f === "x" || f === "t") o.mode = f;
        else if (f === "f") o.file = rest[++i];
        else if (f === "C") o.dir = rest[++i];
        else if (f === "z") o.gzip = true;
        else if (f === "v") o.verbose = true;
      }
      continue;
    }
    o.operands.push(a);
  }
  return o;
}

async function create(ctx: CommandContext, o: TarOptions): Promise<number> {
  const base = ctx.resolve(o.dir ?? ".");
  if (o.operands.length === 0) return fail(ctx, "empty archive", 2);
  const pack = tarStream.pack();
  const chunks: Uint8Array[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Uint8Array);
  })();
  let status = 0;
  const add = (name: string, path: string): void => {
    const st = ctx.fs.stat(path);
    if (!st) return;
    const mtime = new Date(st.mtime);
    if (st.type === "dir") {
      pack.entry({ name: name.endsWith("/") ? name : `${name}/`, type: "directory", mode: st.mode, mtime });
      if (o.verbose) ctx.stderr.write(`${name}/\n`);
      for (const child of ctx.fs.readdir(path)) add(`${name.replace(/\/$/, "")}/${child}`, `${path === "/" ? "" : path}/${child}`);
    } else {
      pack.entry({ name, type: "file", mode: st.mode, mtime, size: st.size }, Buffer.from(ctx.fs.readFile(path)));
      if (o.verbose) ctx.stderr.write(`${name}\n`);
    }
  };
  for (const operand of o.operands) {
    const path = normalizePath(operand.startsWith("/") ? operand : `${base}/${operand}`);
    if (!ctx.fs.exists(path)) {
      ctx.stderr.write(`tar: ${operand}: Cannot stat: No such file or directory\n`);
      status = 2;
      continue;
    }
    // Member names are relative: a leading "/" is dropped as GNU and busybox tar do.
    const name = operand.replace(/^\/+/, "").replace(/^(\.\/)+/, "") || ".";
    add(name, path);
  }
  pack.finalize();
  await done;
  let bytes = concatBytes(chunks);
  if (o.gzip) bytes = gzipSync(bytes);
  if (o.file && o.file !== "-") ctx.fs.writeFile(ctx.resolve(o.file), bytes);
  else ctx.stdout.write(bytes);
  return status;
}

async function extract(ctx: CommandContext, o: TarOptions): Promise<number> {
  let data: Uint8Array;
  if (o.file && o.file !== "-") {
    const p = ctx.resolve(o.file);
    if (!ctx.fs.exists(p)) return fail(ctx, `${o.file}: Cannot open: No such file or directory`, 2);
    data = ctx.fs.readFile(p);
  } else data = await ctx.stdin.readAll();
  if (data.length === 0) return fail(ctx, "This does not look like a tar archive", 2);
  if (o.gzip || (data[0] === 0x1f && data[1] === 0x8b)) data = gunzipSync(data);
  const dest = ctx.resolve(o.dir ?? ".");
  if (o.mode === "x" && ctx.fs.stat(dest)?.type !== "dir") return fail(ctx, `${o.dir ?? "."}: Cannot open: No such file or directory`, 2);
  const ex = tarStream.extract();
  const entries = (async () => {
    for await (const entry of ex) {
      const parts: Uint8Array[] = [];
      for await (const c of entry) parts.push(c as Uint8Array);
      const h = entry.header;
      const rel = normalizePath(h.name).slice(1);
      if (o.mode === "t") {
        ctx.stdout.write(`${h.name}\n`);
        continue;
      }
      if (rel === "" || h.name.split("/").includes("..")) continue;
      const target = `${dest === "/" ? "" : dest}/${rel}`;
      if (o.verbose) ctx.stdout.write(`${h.name}\n`);
      const parent = target.slice(0, target.lastIndexOf("/")) || "/";
      ctx.fs.mkdir(parent, { recursive: true });
      if (h.type === "directory") ctx.fs.mkdir(target, { recursive: true });
      else if (h.type === "file" || h.type === "contiguous-file" || h.type === undefined || h.type === null) {
        ctx.fs.writeFile(target, concatBytes(parts), h.mode !== undefined ? { mode: h.mode } : undefined);
      }
    }
  })();
  ex.end(Buffer.from(data));
  try {
    await entries;
  } catch (err) {
    return fail(ctx, err instanceof Error ? err.message : String(err), 2);
  }
  return 0;
}

export const tar: CommandImpl = async (ctx) => {
  const o = parseArgs(ctx.args);
  if (!o.mode) return fail(ctx, "You must specify one of the '-Acdtrux' options", 2);
  return o.mode === "c" ? create(ctx, o) : extract(ctx, o);
};
