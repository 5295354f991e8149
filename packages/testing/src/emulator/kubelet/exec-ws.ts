/**
 * The Kubernetes remote-command channel protocol over an upgraded WebSocket: channel 0 stdin, 1 stdout,
 * 2 stderr, 3 error/status, 4 resize, and (v5) 255 close. The server upgrades with `ws`, choosing the
 * subprotocol with `selectExecSubprotocol`, and hands the socket to `serveExec`.
 */

import type { WebSocket, RawData } from "ws";
import type { ExecIo, ExecRequest } from "./types.js";
import { RuntimeStatusError } from "./errors.js";
import { Pipe } from "../shell/pipe.js";

export const EXEC_SUBPROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"] as const;

/** For `new WebSocketServer({ handleProtocols })`: the newest protocol the client offers, or false. */
export function selectExecSubprotocol(offered: Set<string>): string | false {
  return EXEC_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false;
}

/** Parses the exec query string (`command` repeats; booleans are "true"/"1"). */
export function parseExecQuery(params: URLSearchParams): ExecRequest {
  const flag = (name: string): boolean => {
    const v = params.get(name);
    return v === "true" || v === "1";
  };
  const request: ExecRequest = { command: params.getAll("command"), stdin: flag("stdin"), stdout: flag("stdout"), stderr: flag("stderr"), tty: flag("tty") };
  const container = params.get("container");
  if (container) request.container = container;
  return request;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

export async function serveExec(ws: WebSocket, request: ExecRequest, run: (io: ExecIo, signal: AbortSignal) => Promise<number>): Promise<void> {
  const protocol = ws.protocol;
  const jsonStatus = protocol === "v5.channel.k8s.io" || protocol === "v4.channel.k8s.io";
  const abort = new AbortController();
  const stdin = request.stdin ? new Pipe() : undefined;
  const closed = new Promise<void>((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve();
    else ws.once("close", () => resolve());
  });

  ws.on("message", (raw: RawData) => {
    const data = toBuffer(raw);
    if (data.length === 0) return;
    const channel = data[0];
    if (channel === STDIN) stdin?.write(new Uint8Array(data.subarray(1)));
    else if (channel === CLOSE && data[1] === STDIN) stdin?.close();
    else if (channel === RESIZE) {
      // Terminal size changes do not affect simulated programs.
    }
  });
  ws.on("close", () => {
    stdin?.close();
    abort.abort();
  });
  ws.on("error", () => abort.abort());

  const send = (channel: number, chunk: Uint8Array): void => {
    if (ws.readyState !== ws.OPEN || chunk.length === 0) return;
    const frame = Buffer.allocUnsafe(chunk.length + 1);
    frame[0] = channel;
    frame.set(chunk, 1);
    ws.send(frame);
  };
  const io: ExecIo = { tty: request.tty };
  if (stdin) io.stdin = stdin;
  if (request.stdout) io.stdout = (c) => send(STDOUT, c);
  if (request.stderr || request.tty) io.stderr = (c) => send(request.tty ? STDOUT : STDERR, c);

  let status: Record<string, unknown>;
  let text: string | undefined;
  try {
    const code = await run(io, abort.signal);
    if (code === 0) status = { metadata: {}, status: "Success" };
    else {
      text = `command terminated with non-zero exit code: error executing command [${request.command.join(" ")}], exit code ${code}`;
      status = { metadata: {}, status: "Failure", message: text, reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: String(code) }] } };
    }
  } catch (err) {
    if (err instanceof RuntimeStatusError) {
      const { kind: _k, apiVersion: _a, ...rest } = err.status;
      status = rest;
      text = err.status.message ?? "error";
    } else {
      text = err instanceof Error ? err.message : String(err);
      status = { metadata: {}, status: "Failure", message: text, reason: "InternalError", code: 500 };
    }
  }
  if (jsonStatus) send(ERROR, Buffer.from(JSON.stringify(status)));
  else if (text) send(ERROR, Buffer.from(text));
  if (ws.readyState === ws.OPEN) ws.close(1000);
  await closed;
}
