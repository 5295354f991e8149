/**
 * In-memory filesystems: `MemFs` is one tree (a volume or a container's own root); `MountedFs` is what a
 * container sees: its root with volumes mounted at their mountPaths (longest mount prefix wins).
 */

import type { ContainerFs, FileStat } from "./types.js";
import { normalizePath } from "../shell/paths.js";

type Node =
  | { type: "dir"; children: Map<string, Node>; mode: number; mtime: number }
  | { type: "file"; data: Uint8Array; mode: number; mtime: number };

export class FsError extends Error {
  constructor(
    readonly code: "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "ENOTEMPTY" | "EROFS",
    message: string,
  ) {
    super(message);
    this.name = "FsError";
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function segments(path: string): string[] {
  return normalizePath(path).split("/").filter(Boolean);
}

export class MemFs implements ContainerFs {
  #root: Node = { type: "dir", children: new Map(), mode: 0o755, mtime: Date.now() };
  readonly readOnly: boolean;

  constructor(options?: { readOnly?: boolean; files?: Record<string, string | Uint8Array> }) {
    this.readOnly = false;
    for (const [p, data] of Object.entries(options?.files ?? {})) {
      this.mkdir(normalizePath(p).split("/").slice(0, -1).join("/") || "/", { recursive: true });
      this.writeFile(p, data);
    }
    this.readOnly = options?.readOnly ?? false;
  }

  #lookup(path: string): Node | undefined {
    let node: Node = this.#root;
    for (const seg of segments(path)) {
      if (node.type !== "dir") return undefined;
      const next = node.children.get(seg);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  #parent(path: string): { dir: Extract<Node, { type: "dir" }>; name: string } {
    const segs = segments(path);
    const name = segs.pop();
    if (name === undefined) throw new FsError("EEXIST", `${path}: File exists`);
    const dir = this.#lookup(`/${segs.join("/")}`);
    if (!dir) throw new FsError("ENOENT", `${path}: No such file or directory`);
    if (dir.type !== "dir") throw new FsError("ENOTDIR", `${path}: Not a directory`);
    return { dir, name };
  }

  #writable(path: string): void {
    if (this.readOnly) throw new FsError("EROFS", `${path}: Read-only file system`);
  }

  readFile(path: string): Uint8Array {
    const node = this.#lookup(path);
    if (!node) throw new FsError("ENOENT", `${path}: No such file or directory`);
    if (node.type === "dir") throw new FsError("EISDIR", `${path}: Is a directory`);
    return node.data;
  }

  readText(path: string): string {
    return decoder.decode(this.readFile(path));
  }

  writeFile(path: string, data: Uint8Array | string, options?: { append?: boolean; mode?: number }): void {
    this.#writable(path);
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const { dir, name } = this.#parent(path);
    const existing = dir.children.get(name);
    if (existing?.type === "dir") throw new FsError("EISDIR", `${path}: Is a directory`);
    if (existing && options?.append) {
      const merged = new Uint8Array(existing.data.length + bytes.length);
      merged.set(existing.data);
      merged.set(bytes, existing.data.length);
      existing.data = merged;
      existing.mtime = Date.now();
      return;
    }
    dir.children.set(name, { type: "file", data: bytes.slice(), mode: options?.mode ?? existing?.mode ?? 0o644, mtime: Date.now() });
  }

  mkdir(path: string, options?: { recursive?: boolean }): void {
    this.#writable(path);
    if (options?.recursive) {
      let node: Node = this.#root;
      for (const seg of segments(path)) {
        if (node.type !== "dir") throw new FsError("ENOTDIR", `${path}: Not a directory`);
        let next = node.children.get(seg);
        if (!next) {
          next = { type: "dir", children: new Map(), mode: 0o755, mtime: Date.now() };
          node.children.set(seg, next);
        }
        node = next;
      }
      if (node.type !== "dir") throw new FsError("EEXIST", `${path}: File exists`);
      return;
    }
    const { dir, name } = this.#parent(path);
    if (dir.children.has(name)) throw new FsError("EEXIST", `${path}: File exists`);
    dir.children.set(name, { type: "dir", children: new Map(), mode: 0o755, mtime: Date.now() });
  }

  readdir(path: string): string[] {
    const node = this.#lookup(path);
    if (!node) throw new FsError("ENOENT", `${path}: No such file or directory`);
    if (node.type !== "dir") throw new FsError("ENOTDIR", `${path}: Not a directory`);
    return [...node.children.keys()].sort();
  }

  stat(path: string): FileStat | undefined {
    const node = this.#lookup(path);
    if (!node) return undefined;
    return { type: node.type, size: node.type === "file" ? node.data.length : 4096, mode: node.mode, mtime: node.mtime };
  }

  exists(path: string): boolean {
    return this.#lookup(path) !== undefined;
  }

  remove(path: string, options?: { recursive?: boolean }): void {
    this.#writable(path);
    const { dir, name } = this.#parent(path);
    const node = dir.children.get(name);
    if (!node) throw new FsError("ENOENT", `${path}: No such file or directory`);
    if (node.type === "dir" && node.children.size > 0 && !options?.recursive) throw new FsError("ENOTEMPTY", `${path}: Directory not empty`);
    dir.children.delete(name);
  }

  rename(from: string, to: string): void {
    this.#writable(from);
    const src = this.#parent(from);
    const node = src.dir.children.get(src.name);
    if (!node) throw new FsError("ENOENT", `${from}: No such file or directory`);
    const dst = this.#parent(to);
    src.dir.children.delete(src.name);
    dst.dir.children.set(dst.name, node);
  }

  /** Sets the mode bits of a file or directory (chmod). */
  chmod(path: string, mode: number): void {
    const node = this.#lookup(path);
    if (!node) throw new FsError("ENOENT", `${path}: No such file or directory`);
    node.mode = mode;
  }
}

export interface Mount {
  path: string;
  fs: MemFs;
  readOnly?: boolean;
}

/** A container's view: root fs plus mounted volumes. */
export class MountedFs implements ContainerFs {
  readonly root: MemFs;
  readonly mounts: Mount[];

  constructor(root: MemFs, mounts: Mount[]) {
    this.root = root;
    this.mounts = mounts.map((m) => ({ ...m, path: normalizePath(m.path) })).sort((a, b) => b.path.length - a.path.length);
    for (const m of this.mounts) root.mkdir(m.path, { recursive: true });
  }

  #resolve(path: string): { fs: MemFs; path: string; mount?: Mount } {
    const p = normalizePath(path);
    for (const m of this.mounts) {
      if (p === m.path || p.startsWith(`${m.path}/`)) return { fs: m.fs, path: p.slice(m.path.length) || "/", mount: m };
    }
    return { fs: this.root, path: p };
  }

  #writable(path: string): { fs: MemFs; path: string } {
    const r = this.#resolve(path);
    if (r.mount?.readOnly) throw new FsError("EROFS", `${path}: Read-only file system`);
    return r;
  }

  readFile(path: string): Uint8Array {
    const r = this.#resolve(path);
    return r.fs.readFile(r.path);
  }
  readText(path: string): string {
    return decoder.decode(this.readFile(path));
  }
  writeFile(path: string, data: Uint8Array | string, options?: { append?: boolean; mode?: number }): void {
    const r = this.#writable(path);
    r.fs.writeFile(r.path, data, options);
  }
  mkdir(path: string, options?: { recursive?: boolean }): void {
    const p = normalizePath(path);
    if (this.mounts.some((m) => m.path === p)) {
      if (!options?.recursive) throw new FsError("EEXIST", `${path}: File exists`);
      return;
    }
    const r = this.#writable(path);
    r.fs.mkdir(r.path, options);
  }
  readdir(path: string): string[] {
    const r = this.#resolve(path);
    const names = new Set(r.fs.readdir(r.path));
    const p = normalizePath(path);
    for (const m of this.mounts) {
      const parent = m.path.slice(0, m.path.lastIndexOf("/")) || "/";
      if (parent === p) names.add(m.path.slice(m.path.lastIndexOf("/") + 1));
    }
    return [...names].sort();
  }
  stat(path: string): FileStat | undefined {
    const r = this.#resolve(path);
    return r.fs.stat(r.path);
  }
  exists(path: string): boolean {
    return this.stat(path) !== undefined;
  }
  remove(path: string, options?: { recursive?: boolean }): void {
    const p = normalizePath(path);
    if (this.mounts.some((m) => m.path === p)) throw new FsError("EEXIST", `${path}: Device or resource busy`);
    const r = this.#writable(path);
    r.fs.remove(r.path, options);
  }
  rename(from: string, to: string): void {
    const a = this.#writable(from);
    const b = this.#writable(to);
    if (a.fs === b.fs) {
      a.fs.rename(a.path, b.path);
      return;
    }
    copyTree(this, from, to);
    this.remove(from, { recursive: true });
  }
}

/** Recursively copies `from` to `to` within one ContainerFs. */
export function copyTree(fs: ContainerFs, from: string, to: string): void {
  const st = fs.stat(from);
  if (!st) throw new FsError("ENOENT", `${from}: No such file or directory`);
  if (st.type === "file") {
    fs.writeFile(to, fs.readFile(from), { mode: st.mode });
    return;
  }
  if (!fs.exists(to)) fs.mkdir(to);
  for (const name of fs.readdir(from)) copyTree(fs, `${from}/${name}`, `${to}/${name}`);
}
