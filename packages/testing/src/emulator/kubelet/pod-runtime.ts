/** `pods/log` and `pods/exec` served from the simulated kubelet's containers, with the apiserver's error texts. */

import type { WebSocket } from "ws";
import type { ObjectStore } from "../store/types.js";
import type { Clock, ContainerProgramRegistry, ExecIo, ExecRequest, LogOptions, PodRuntime, RuntimeTiming } from "./types.js";
import type { Pod } from "../controllers/k8s-types.js";
import { PODS } from "../controllers/refs.js";
import { badRequest, podNotFound } from "./errors.js";
import { streamLog, type LogBuffer } from "./logs.js";
import type { Kubelet } from "./kubelet.js";
import type { ContainerRecord } from "./pod-status.js";
import { makeContext, runProgram } from "./context.js";
import { execProgram } from "./defaults.js";
import { serveExec } from "./exec-ws.js";

const WAITING_TEXT: Record<string, string> = {
  ErrImagePull: "image can't be pulled",
  ImagePullBackOff: "trying and failing to pull image",
};

export class KubeletPodRuntime implements PodRuntime {
  readonly #store: ObjectStore;
  readonly #kubelet: Kubelet;
  readonly #programs: ContainerProgramRegistry;
  readonly #clock: Clock;
  readonly #timing: RuntimeTiming;

  constructor(store: ObjectStore, kubelet: Kubelet, programs: ContainerProgramRegistry, clock: Clock, timing: RuntimeTiming) {
    this.#store = store;
    this.#kubelet = kubelet;
    this.#programs = programs;
    this.#clock = clock;
    this.#timing = timing;
  }

  #pod(namespace: string, name: string): Pod {
    const pod = this.#store.get(PODS, namespace, name) as Pod | undefined;
    if (!pod) throw podNotFound(name);
    return pod;
  }

  /** Resolves the container name as the apiserver's pod log/exec validation does. */
  #container(pod: Pod, requested: string | undefined): string {
    const name = pod.metadata.name ?? "";
    const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? []), ...((pod.spec as { ephemeralContainers?: { name: string }[] }).ephemeralContainers ?? [])];
    if (requested) {
      if (!all.some((c) => c.name === requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
      return requested;
    }
    if (pod.spec.containers.length === 1) return pod.spec.containers[0]?.name ?? "";
    const names = pod.spec.containers.map((c) => c.name).join(" ");
    const inits = (pod.spec.initContainers ?? []).map((c) => c.name);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${names}]${inits.length ? ` or one of the init containers: [${inits.join(" ")}]` : ""}`);
  }

  logs(namespace: string, pod: string, options: LogOptions, signal?: AbortSignal): AsyncIterable<string> {
    const p = this.#pod(namespace, pod);
    const containerName = this.#container(p, options.container);
    if (options.sinceTime && options.sinceSeconds !== undefined) throw badRequest("at most one of `sinceTime` or `sinceSeconds` may be specified");
    if (!p.spec.nodeName) return (async function* () {})();
    const record = this.#kubelet.worker(namespace, pod)?.containers.find((c) => c.spec.name === containerName);
    const status = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])].find((s) => s.name === containerName);
    const buffer = this.#pickBuffer(pod, containerName, record, status?.state.waiting?.reason, options.previous ?? false);
    if (!buffer) return (async function* () {})();
    return streamLog(buffer, options, this.#clock.now(), signal);
  }

  #pickBuffer(pod: string, container: string, record: ContainerRecord | undefined, statusWaiting: string | undefined, previous: boolean): LogBuffer | undefined {
    if (!record) {
      if (previous) throw badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
      throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: ${WAITING_TEXT[statusWaiting ?? ""] ?? statusWaiting ?? "ContainerCreating"}`);
    }
    const waiting = record.state.waiting;
    const hasLast = record.lastState.terminated !== undefined;
    if (previous) {
      if (!hasLast) throw badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
      return waiting ? record.logs : record.previousLogs;
    }
    if (waiting && !hasLast) {
      throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: ${WAITING_TEXT[waiting.reason ?? ""] ?? waiting.reason ?? "ContainerCreating"}`);
    }
    return record.logs;
  }

  validateExec(namespace: string, pod: string, request: ExecRequest): void {
    this.#execTarget(namespace, pod, request);
  }

  #execTarget(namespace: string, pod: string, request: ExecRequest): { pod: Pod; record: ContainerRecord } {
    const p = this.#pod(namespace, pod);
    const containerName = this.#container(p, request.container);
    if (request.command.length === 0 && !request.attach) throw badRequest("you must specify at least 1 command");
    const phase = p.status?.phase;
    if (phase === "Succeeded" || phase === "Failed") throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
    const record = this.#kubelet.worker(namespace, pod)?.containers.find((c) => c.spec.name === containerName);
    if (!record || !record.state.running || !record.fs || !record.abort) {
      throw badRequest(`unable to upgrade connection: container not found ("${containerName}")`);
    }
    return { pod: p, record };
  }

  async exec(namespace: string, pod: string, container: string | undefined, command: string[], io: ExecIo, signal?: AbortSignal): Promise<number> {
    const request: ExecRequest = { command, stdin: io.stdin !== undefined, stdout: io.stdout !== undefined, stderr: io.stderr !== undefined, tty: io.tty ?? false };
    if (container !== undefined) request.container = container;
    const { pod: p, record } = this.#execTarget(namespace, pod, request);
    const runSignal = record.abort?.signal;
    const signals = [signal, runSignal].filter((s): s is AbortSignal => s !== undefined);
    const combined = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    const write = (sink: ((chunk: Uint8Array) => void) | undefined) => ({
      write: (chunk: string | Uint8Array) => sink?.(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk),
    });
    const stderr = io.tty ? io.stdout : io.stderr;
    const ctx = makeContext({
      pod: p,
      containerName: record.spec.name,
      image: record.spec.image ?? "",
      command,
      args: [],
      env: record.env ?? {},
      fs: record.fs as NonNullable<ContainerRecord["fs"]>,
      ...(io.stdin ? { stdin: io.stdin } : {}),
      stdout: write(io.stdout),
      stderr: write(stderr),
      signal: combined,
      restartCount: record.restartCount,
      isExec: true,
      timing: this.#timing,
      now: () => this.#clock.now(),
      setReady: () => {},
    });
    return runProgram(execProgram(this.#programs, record.spec.image ?? ""), ctx);
  }

  handleExecWebSocket(ws: WebSocket, namespace: string, pod: string, request: ExecRequest): Promise<void> {
    if (request.attach) return serveExec(ws, request, (io, signal) => this.attach(namespace, pod, request, io, signal));
    return serveExec(ws, request, (io, signal) => this.exec(namespace, pod, request.container, request.command, io, signal));
  }

  /**
   * Attaches to the container's main process: its output from the start of the current run (so fast
   * containers lose nothing) until it ends, and stdin into the program when the spec has `stdin: true`.
   */
  async attach(namespace: string, pod: string, request: ExecRequest, io: ExecIo, signal?: AbortSignal): Promise<number> {
    const { record } = this.#execTarget(namespace, pod, { ...request, attach: true });
    const logs = record.logs;
    const stdinPipe = record.stdin;
    if (io.stdin && stdinPipe) {
      void (async () => {
        for await (const chunk of io.stdin as AsyncIterable<Uint8Array>) stdinPipe.write(chunk);
        if (record.spec.stdinOnce) stdinPipe.close();
      })();
    }
    if (logs && io.stdout) {
      for await (const text of streamLog(logs, { follow: true }, this.#clock.now(), signal)) io.stdout(new TextEncoder().encode(text));
    }
    const code = record.state.terminated?.exitCode ?? 0;
    return code;
  }
}
