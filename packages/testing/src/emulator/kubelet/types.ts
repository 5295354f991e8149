/**
 * Contract between the emulated API server / `mockCluster()` and the in-process cluster runtime
 * (controllers, scheduler, simulated kubelet, programmable containers, logs, exec).
 *
 * The server routes `GET pods/{name}/log` to `PodRuntime.logs`, upgrades `pods/{name}/exec` with `ws`
 * and hands the socket to `PodRuntime.handleExecWebSocket`, and routes `POST pods/{name}/eviction`
 * to `RuntimeFaults.evictPod`. Errors are thrown as `RuntimeStatusError` (see errors.ts) carrying a
 * real apiserver `Status`, so the server can send them as they are.
 */

import type { WebSocket } from "ws";
import type { KubeObject, ObjectStore } from "../store/types.js";

// ---------------------------------------------------------------------------------------------
// Status errors

/** A `meta/v1 Status` object as the apiserver returns it. */
export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code: number;
}

// ---------------------------------------------------------------------------------------------
// Time

/** Wall clock used for timestamps, CronJob schedules and log times. Tests may pass a `ManualClock`. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once the clock reaches `at` (epoch ms). Returns a cancel function. */
  setTimer(at: number, callback: () => void): () => void;
}

/** Every simulated delay in milliseconds (real timers, never tied to the Clock). */
export interface RuntimeTiming {
  /** Scheduler: delay before binding a pending pod. */
  schedule: number;
  /** Kubelet: image pull duration (between Pulling and Pulled). */
  imagePull: number;
  /** Kubelet: container create+start duration. */
  containerStart: number;
  /** Default readiness delay after a long-running container starts. */
  readiness: number;
  /** Base restart back-off (doubles per restart, capped at 30x). Real kubelet: 10 s. */
  restartBackoff: number;
  /** Default run time of a container with no program and no command that is not long-running. */
  defaultRunTime: number;
  /** Scale applied to seconds written in specs and scripts (`sleep 1`, probe periods,
   *  terminationGracePeriodSeconds, minReadySeconds, backoff): real ms = seconds * 1000 * timeScale. */
  timeScale: number;
  /** Node loss: how long pods on a lost node stay before the node controller evicts them. */
  nodeEviction: number;
}

// ---------------------------------------------------------------------------------------------
// Programmable containers

/** A directory tree in memory (a volume or a container's own root filesystem). */
export interface FileStat {
  type: "file" | "dir";
  size: number;
  mode: number;
  mtime: number;
}

/** The filesystem a container sees: its own root plus volumes mounted at their mountPaths. */
export interface ContainerFs {
  readFile(path: string): Uint8Array;
  readText(path: string): string;
  writeFile(path: string, data: Uint8Array | string, options?: { append?: boolean; mode?: number }): void;
  mkdir(path: string, options?: { recursive?: boolean }): void;
  readdir(path: string): string[];
  stat(path: string): FileStat | undefined;
  exists(path: string): boolean;
  remove(path: string, options?: { recursive?: boolean }): void;
  rename(from: string, to: string): void;
}

export interface OutputWriter {
  write(chunk: string | Uint8Array): void;
}

/** What a program receives when its container (or an exec session) runs. */
export interface ContainerContext {
  readonly namespace: string;
  readonly podName: string;
  /** The pod as it was when the container started. */
  readonly pod: KubeObject;
  readonly containerName: string;
  readonly image: string;
  /** `command` of the container spec, or the exec command. */
  readonly command: string[];
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly fs: ContainerFs;
  readonly stdin: AsyncIterable<Uint8Array>;
  readonly stdout: OutputWriter;
  readonly stderr: OutputWriter;
  /** Aborted on SIGTERM (pod deletion / eviction / node loss) or when the exec client disconnects. */
  readonly signal: AbortSignal;
  /** Restart count of this container (0 for the first run). */
  readonly restartCount: number;
  /** True when running as an exec session rather than as the container's main process. */
  readonly isExec: boolean;
  /** Marks the container ready/unready (overrides the default readiness). Ignored for exec sessions. */
  setReady(ready: boolean): void;
  /** Sleeps `seconds` of simulated time (scaled by timing.timeScale); rejects when `signal` aborts. */
  sleep(seconds: number): Promise<void>;
  /** Runs a script in the built-in shell with this context's fs, env and streams; returns its exit code. */
  sh(script: string): Promise<number>;
}

/** Returns the exit code (void means 0). A thrown error exits 1 with the message on stderr. */
export type ContainerProgram = (ctx: ContainerContext) => Promise<number | void> | number | void;

export interface ContainerProgramOptions {
  /** Program for `kubectl exec` into containers of this image (default: the built-in shell). */
  exec?: ContainerProgram;
}

export interface ContainerProgramRegistry {
  /** `image` is a glob (`*` and `?`, matched against the whole image reference) or a RegExp.
   *  Later registrations win over earlier ones. Returns an unregister function. */
  register(image: string | RegExp, program: ContainerProgram, options?: ContainerProgramOptions): () => void;
  resolve(image: string): { program: ContainerProgram; options: ContainerProgramOptions } | undefined;
}

// ---------------------------------------------------------------------------------------------
// Logs and exec

export interface LogOptions {
  container?: string;
  follow?: boolean;
  timestamps?: boolean;
  /** RFC3339 time. */
  sinceTime?: string;
  sinceSeconds?: number;
  tailLines?: number;
  previous?: boolean;
  limitBytes?: number;
}

/** Parsed query of `pods/{name}/exec` (`command` may repeat) or `pods/{name}/attach`. */
export interface ExecRequest {
  container?: string;
  command: string[];
  /** `pods/{name}/attach`: no command; connect to the container's main process (its output and, with `stdin: true` in the spec, its stdin). */
  attach?: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecIo {
  stdin?: AsyncIterable<Uint8Array>;
  stdout?: (chunk: Uint8Array) => void;
  stderr?: (chunk: Uint8Array) => void;
  tty?: boolean;
}

export interface PodRuntime {
  /**
   * Validates synchronously (throws `RuntimeStatusError`: pod not found 404, container not valid 400,
   * container waiting to start 400, previous terminated container not found 400) and returns the
   * log as text chunks. With `follow` the iterable ends when the container terminates or `signal` aborts.
   * Serve it as `text/plain` (chunked), flushing each chunk.
   */
  logs(namespace: string, pod: string, options: LogOptions, signal?: AbortSignal): AsyncIterable<string>;
  /** Throws `RuntimeStatusError` when the exec cannot start (call before upgrading the socket). */
  validateExec(namespace: string, pod: string, request: ExecRequest): void;
  /**
   * Serves one exec session over an upgraded WebSocket whose subprotocol was chosen with
   * `selectExecSubprotocol`. Resolves when the session is over and the socket closed.
   */
  handleExecWebSocket(ws: WebSocket, namespace: string, pod: string, request: ExecRequest): Promise<void>;
  /** Attaches to a running container's main process without HTTP (output from the start of the run); resolves to its exit code. */
  attach(namespace: string, pod: string, request: ExecRequest, io: ExecIo, signal?: AbortSignal): Promise<number>;
  /** Runs a command in a container without HTTP; resolves to the exit code. */
  exec(namespace: string, pod: string, container: string | undefined, command: string[], io: ExecIo, signal?: AbortSignal): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Nodes and faults

export interface SimulatedNodeSpec {
  name: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
  /** Quantities as in Node.status.capacity, e.g. { cpu: "8", memory: "32Gi", pods: "110", "nvidia.com/gpu": "4" }. */
  capacity?: Record<string, string>;
  unschedulable?: boolean;
}

export interface ImagePullFailureRule {
  /** Glob or RegExp over the image reference. */
  image: string | RegExp;
  /** How many pulls fail before pulls succeed again (default: all). */
  times?: number;
  /** Message in the ErrImagePull state (default like containerd's "not found"). */
  message?: string;
}

export interface RuntimeFaults {
  /**
   * As `POST pods/{name}/eviction`: checks PodDisruptionBudgets (429 TooManyRequests when violated),
   * adds the DisruptionTarget condition and deletes the pod gracefully. Throws `RuntimeStatusError`.
   */
  evictPod(namespace: string, name: string, options?: { gracePeriodSeconds?: number; dryRun?: boolean }): KubeStatus;
  /** Node goes NotReady; after timing.nodeEviction its pods are marked Failed and deleted. */
  loseNode(name: string): void;
  /** Node becomes Ready again. */
  restoreNode(name: string): void;
  /** Makes pulls of matching images fail (ErrImagePull, then ImagePullBackOff). Returns a remover. */
  failImagePull(rule: ImagePullFailureRule): () => void;
}

// ---------------------------------------------------------------------------------------------
// Entry point

export interface ClusterRuntimeOptions {
  /** Nodes to create (default: three nodes `node-1..3` with 8 CPU, 32Gi, 110 pods). */
  nodes?: SimulatedNodeSpec[];
  timing?: Partial<RuntimeTiming>;
  clock?: Clock;
  programs?: ContainerProgramRegistry;
}

export interface ClusterRuntime {
  readonly pods: PodRuntime;
  readonly programs: ContainerProgramRegistry;
  readonly faults: RuntimeFaults;
  readonly clock: Clock;
  readonly timing: RuntimeTiming;
  /** Creates the nodes and starts every controller, the scheduler and the kubelet. */
  start(): Promise<void>;
  /** Stops all loops and kills every running container (without writing to the store). */
  stop(): Promise<void>;
}

/** Signature of `createClusterRuntime` (implemented in ./index.ts). */
export type CreateClusterRuntime = (store: ObjectStore, options?: ClusterRuntimeOptions) => ClusterRuntime;
