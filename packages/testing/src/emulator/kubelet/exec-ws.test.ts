import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { WebSocketServer } from "ws";
import { Cp, Exec, KubeConfig, type V1Status } from "@kubernetes/client-node";
import { MemoryStore, waitFor } from "../controllers/test-store.js";
import { createClusterRuntime } from "./index.js";
import { parseExecQuery, selectExecSubprotocol } from "./exec-ws.js";
import { RuntimeStatusError } from "./errors.js";
import type { ClusterRuntime } from "./types.js";
import { PODS } from "../controllers/refs.js";
import type { Pod } from "../controllers/k8s-types.js";

let runtime: ClusterRuntime;
let server: Server;
let store: MemoryStore;
let kc: KubeConfig;
let tmp: string;

beforeEach(async () => {
  store = new MemoryStore();
  runtime = createClusterRuntime(store);
  await runtime.start();
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => selectExecSubprotocol(offered) });
  server = createServer((_req, res) => {
    res.writeHead(404);
    res.end();
  });
  // A minimal stand-in for the emulator's HTTP layer: validate, upgrade, hand over.
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    if (!m) return socket.destroy();
    const request = parseExecQuery(url.searchParams);
    try {
      runtime.pods.validateExec(m[1] ?? "", m[2] ?? "", request);
    } catch (err) {
      const status = err instanceof RuntimeStatusError ? err.status : { code: 500 };
      socket.end(`HTTP/1.1 ${status.code} Error\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify(status)}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void runtime.pods.handleExecWebSocket(ws, m[1] ?? "", m[2] ?? "", request));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "mock", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "ctx", cluster: "mock", user: "u", namespace: "default" }],
    currentContext: "ctx",
  });
  tmp = mkdtempSync(join(tmpdir(), "capstan-exec-"));
  store.create(PODS, {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "box", namespace: "default" },
    spec: { volumes: [{ name: "data", emptyDir: {} }], containers: [{ name: "main", image: "busybox", command: ["sh", "-c", "sleep infinity"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] },
  } as Pod);
  await waitFor(() => (store.get(PODS, "default", "box") as Pod | undefined)?.status?.containerStatuses?.[0]?.state.running);
});

afterEach(async () => {
  await runtime.stop();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

function run(command: string[], stdin?: Readable): Promise<{ status: V1Status; out: string; err: string }> {
  const out = sink();
  const err = sink();
  return new Promise((resolve, reject) => {
    new Exec(kc)
      .exec("default", "box", "main", command, out.stream, err.stream, stdin ?? null, false, (status) => resolve({ status, out: out.text(), err: err.text() }))
      .catch(reject);
  });
}

describe("exec over WebSocket (client-node)", () => {
  it("runs a command and reports Success", async () => {
    const r = await run(["sh", "-c", "echo out; echo err >&2"]);
    expect(r.status.status).toBe("Success");
    expect(r.out).toBe("out\n");
    expect(r.err).toBe("err\n");
  });

  it("reports non-zero exit codes as the kubelet does", async () => {
    const r = await run(["sh", "-c", "exit 7"]);
    expect(r.status).toMatchObject({
      status: "Failure",
      reason: "NonZeroExitCode",
      message: "command terminated with non-zero exit code: error executing command [sh -c exit 7], exit code 7",
      details: { causes: [{ reason: "ExitCode", message: "7" }] },
    });
  });

  it("streams stdin (v5 close frame ends it)", async () => {
    const input = new PassThrough();
    const p = run(["sh", "-c", "cat > /data/in.txt; wc -l /data/in.txt"], input);
    input.write("a\nb\n");
    input.end("c\n");
    const r = await p;
    expect(r.out).toBe("3 /data/in.txt\n");
  });

  it("copies files to and from the pod with Cp", async () => {
    mkdirSync(join(tmp, "up"));
    writeFileSync(join(tmp, "up", "hello.txt"), "hello from host\n");
    const cp = new Cp(kc);
    // Cp does not wait for the transfer to finish, so poll the pod for the file.
    await cp.cpToPod("default", "box", "main", join(tmp, "up"), "/data");
    let text = "";
    for (let i = 0; i < 200 && text !== "hello from host\n"; i++) {
      text = (await run(["cat", "/data/hello.txt"])).out;
      if (text !== "hello from host\n") await new Promise((r) => setTimeout(r, 5));
    }
    expect(text).toBe("hello from host\n");

    await run(["sh", "-c", "mkdir -p /data/out && echo result > /data/out/r.txt"]);
    const dest = join(tmp, "down");
    mkdirSync(dest);
    await cp.cpFromPod("default", "box", "main", "out", dest, "/data");
    await waitFor(() => existsSync(join(dest, "out", "r.txt")) && readFileSync(join(dest, "out", "r.txt"), "utf8") === "result\n");
    // tar-fs still sets file times after writing the content; let it finish before the directory is removed.
    await new Promise((r) => setTimeout(r, 50));
  });

  it("attaches to a container's main process (stdin and output)", async () => {
    store.create(PODS, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "repl", namespace: "default" },
      spec: { restartPolicy: "Never", containers: [{ name: "r", image: "busybox", stdin: true, stdinOnce: true, command: ["sh", "-c", "echo ready; while read line; do echo \"got $line\"; done; echo bye"] }] },
    } as Pod);
    await waitFor(() => (store.get(PODS, "default", "repl") as Pod | undefined)?.status?.containerStatuses?.[0]?.state.running);
    const io = { stdin: (async function* () {
      yield new TextEncoder().encode("one\ntwo\n");
    })(), out: [] as string[] };
    const code = await runtime.pods.exec("default", "repl", "r", [], {}).catch((e: Error) => e.message);
    expect(code).toBe("you must specify at least 1 command");
    const exit = await runtime.pods.attach("default", "repl", { command: [], stdin: true, stdout: true, stderr: true, tty: false, attach: true }, {
      stdin: io.stdin,
      stdout: (c) => io.out.push(Buffer.from(c).toString()),
    });
    expect(exit).toBe(0);
    expect(io.out.join("")).toBe("ready\ngot one\ngot two\nbye\n");
  });
});
