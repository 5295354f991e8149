/** Shared by this package's tests: a temporary store, a server on an ephemeral port, raw HTTP. */
import { request } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExecutionStore, staticSecrets, type AnyFlow } from "@capstan/core";
import { serve, type CapstanServer, type ServeOptions } from "./server.js";

export function tempStore(): ExecutionStore {
  return new ExecutionStore({ dir: mkdtempSync(join(tmpdir(), "capstan-serve-")), sync: "none" });
}

export async function startServer(flows: AnyFlow[], options: Partial<ServeOptions> = {}): Promise<{ server: CapstanServer; store: ExecutionStore; logs: string[] }> {
  const store = options.store ?? tempStore();
  const logs: string[] = [];
  const server = await serve({
    flows: flows.map((flow) => ({ flow })),
    store,
    port: 0,
    secrets: [staticSecrets({ HOOK_KEY: "s3cret-key", RUN_KEY: "run-key" })],
    log: (l) => logs.push(l),
    ...options,
  });
  return { server, store, logs };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTP request with full control over headers and body (chunked when no length is given). */
export function post(url: string, body: string | Buffer | undefined, headers: Record<string, string> = {}, method = "POST"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    // The server may close the connection without reading a rejected body.
    req.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** A step that waits until the test lets it go. */
export function gate(): { wait: () => Promise<void>; open: () => void; reached: Promise<void> } {
  let open!: () => void;
  let reach!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const reached = new Promise<void>((r) => (reach = r));
  return {
    wait: () => {
      reach();
      return opened;
    },
    open,
    reached,
  };
}
