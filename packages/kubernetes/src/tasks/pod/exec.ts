/**
 * Runs a command in a container through client-node's `Exec` (the WebSocket remote-command
 * protocol) and resolves with its exit code. Stdin is sent in bounded frames and closed with the
 * v5 protocol's close signal, so commands that read to end of input (`tar x`) finish; stdout goes
 * to the caller's stream; stderr is kept (bounded) for error messages.
 */
import { Readable, Writable } from "node:stream";
import type { Exec, KubeConfig, V1Status } from "@kubernetes/client-node";
import { clientNode } from "../../client/client-node.js";
import { CapstanError } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";

export interface ExecIo {
  stdin?: AsyncIterable<Uint8Array>;
  /** Receives stdout; ended when the command ends. Default: discarded. */
  stdout?: Writable;
  signal: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stderr: string;
}

const FRAME = 256 * 1024;
const MAX_STDERR = 16 * 1024;

export async function execIn(client: KubeClient, namespace: string, pod: string, container: string, command: string[], io: ExecIo): Promise<ExecResult> {
  const where = `exec ${JSON.stringify(command.join(" "))} in ${pod}/${container} on ${client.label}`;
  if (io.signal.aborted) throw io.signal.reason;
  let stderrText = "";
  const stderr = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (stderrText.length < MAX_STDERR) stderrText += chunk.toString("utf8").slice(0, MAX_STDERR - stderrText.length);
      cb();
    },
  });
  const stdout = io.stdout ?? new Writable({ write: (_c, _e, cb) => cb() });
  const stdin = io.stdin ? Readable.from(frames(io.stdin)) : null;
  let status: V1Status | undefined;
  let ws: Awaited<ReturnType<Exec["exec"]>>;
  try {
    ws = await new (clientNode().Exec)(withSignal(client.kc, io.signal)).exec(namespace, pod, container, command, stdout, stderr, stdin, false, (s) => {
      status = s;
    });
  } catch (err) {
    stdin?.destroy();
    if (io.signal.aborted) throw io.signal.reason;
    throw execError(`${where} could not start: ${describe(err)}`, err);
  }
  if (io.signal.aborted) {
    ws.close();
    stdin?.destroy();
    throw io.signal.reason;
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      ws.close();
      reject(io.signal.reason);
    };
    io.signal.addEventListener("abort", onAbort, { once: true });
    ws.on("close", () => {
      io.signal.removeEventListener("abort", onAbort);
      resolve();
    });
    ws.on("error", () => {
      // A close event follows; the missing status reports the failure.
    });
  });
  stdin?.destroy();
  if (!status) {
    const err = execError(`${where}: the connection closed before the command's exit status arrived`);
    stdout.destroy(err);
    throw err;
  }
  return { exitCode: exitCodeOf(status, where), stderr: stderrText };
}

/**
 * The config with `signal` on the WebSocket's upgrade request (client-node's Exec takes none):
 * a cancelled step must not wait for an apiserver that holds the handshake, and the pending
 * request must not keep the process alive after the step gave up on it.
 */
function withSignal(kc: KubeConfig, signal: AbortSignal): KubeConfig {
  const config = Object.create(kc) as KubeConfig;
  config.applyToHTTPSOptions = async (opts) => {
    await kc.applyToHTTPSOptions(opts);
    (opts as { signal?: AbortSignal }).signal = signal;
  };
  return config;
}

/** The exit code in an exec Status: Success is 0, NonZeroExitCode carries it in details.causes. */
export function exitCodeOf(status: V1Status, where: string): number {
  if (status.status === "Success") return 0;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  if (status.reason === "NonZeroExitCode" && Number.isInteger(code)) return code;
  throw execError(`${where} failed: ${status.message ?? status.reason ?? "unknown error"}`);
}

async function* frames(source: AsyncIterable<Uint8Array>): AsyncIterable<Buffer> {
  for await (const chunk of source) {
    for (let off = 0; off < chunk.byteLength; off += FRAME) {
      yield Buffer.from(chunk.buffer, chunk.byteOffset + off, Math.min(FRAME, chunk.byteLength - off));
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  const message = (err as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(err);
}

function execError(message: string, cause?: unknown): CapstanError {
  return new CapstanError("CAPSTAN_K8S_EXEC_FAILED", message, {
    hint: "the pod's file transfer runs commands in its file containers: check that the pod is running and that the credentials may create pods/exec",
    retryable: true,
    ...(cause !== undefined ? { cause } : {}),
  });
}
