/** podCreate's pure parts: pod building, labels, the log cursor, the outputs protocol, tar, status reading. */
import { describe, expect, it } from "vitest";
import { Readable } from "node:stream";
import { MemoryArtifactStore, ScopedArtifactStore } from "@capstan/core";
import { buildPod, identityLabels, INIT_FILES, labelValue, OUT_FILES, podName, userContainerNames, WORKING_DIR, type PodSpec } from "../src/tasks/pod/spec.js";
import { LogCursor, parseLine, timeKey } from "../src/tasks/pod/log-cursor.js";
import { parseDirective } from "../src/tasks/pod/outputs.js";
import { packTar, unpackTar } from "../src/tasks/pod/tar.js";
import { prepareInputFiles, relativePath } from "../src/tasks/pod/files.js";
import { allFinished, allStarted, completionProblem, exitCodes, initFilesState, podProblem, type Pod } from "../src/tasks/pod/lifecycle.js";
import { probeContainer } from "../src/tasks/pod/logs.js";
import { readCheckpoint } from "../src/tasks/pod/resume.js";
import { exitCodeOf } from "../src/tasks/pod/exec.js";

const id = { executionId: "0b7e3f1c-5d2a-4c39-9a51-7f0a8d3e2c11", flowId: "train", stepPath: "tenants[3].train", attempt: 2 };
const spec: PodSpec = { containers: [{ name: "main", image: "python:3.12", command: ["python", "train.py"] }] };

describe("pod spec", () => {
  it("labels identify execution, flow, step and attempt with valid label values", () => {
    const labels = identityLabels(id);
    expect(labels["capstan.io/execution"]).toBe(id.executionId);
    expect(labels["capstan.io/flow"]).toBe("train");
    expect(labels["capstan.io/attempt"]).toBe("2");
    const step = labels["capstan.io/step"]!;
    expect(step).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/);
    expect(step.startsWith("tenants-3-.train")).toBe(true);
    // Distinct paths that clean up to the same text stay distinct.
    expect(labelValue("a[1]")).not.toBe(labelValue("a(1)"));
    expect(labelValue("x".repeat(100))).toHaveLength(63);
    expect(labelValue("ok-value")).toBe("ok-value");
  });

  it("names the pod stably per execution, step and attempt, within 63 characters", () => {
    const a = podName(id);
    expect(a).toBe(podName({ ...id }));
    expect(a).not.toBe(podName({ ...id, attempt: 3 }));
    expect(a).toMatch(/^train-tenants-3-train-[0-9a-f]{10}$/);
    expect(podName({ ...id, flowId: "F".repeat(80) }).length).toBeLessThanOrEqual(63);
  });

  it("defaults restartPolicy to Never and refuses Always", () => {
    const pod = buildPod({ namespace: "ns", spec, hasInputFiles: false, hasOutputFiles: false }, id);
    expect(pod.spec.restartPolicy).toBe("Never");
    expect(pod.metadata.annotations["capstan.io/step-path"]).toBe("tenants[3].train");
    expect(pod.spec.volumes).toBeUndefined();
    expect(() => buildPod({ namespace: "ns", spec: { ...spec, restartPolicy: "Always" }, hasInputFiles: false, hasOutputFiles: false }, id)).toThrow(/restartPolicy "Always"/);
  });

  it("adds the file containers and the shared working directory only when files move", () => {
    const userInit = { name: "prep", image: "busybox" };
    const pod = buildPod({ namespace: "ns", spec: { ...spec, initContainers: [userInit] }, hasInputFiles: true, hasOutputFiles: true, metadata: { labels: { team: "ml", "capstan.io/step": "spoofed" } } }, id);
    expect(pod.spec.initContainers!.map((c) => c.name)).toEqual([INIT_FILES, "prep"]);
    expect(pod.spec.containers.map((c) => c.name)).toEqual(["main", OUT_FILES]);
    for (const c of [...pod.spec.initContainers!, ...pod.spec.containers]) expect(c.volumeMounts?.some((m) => m.mountPath === WORKING_DIR)).toBe(true);
    expect(pod.spec.containers[0]!.env).toContainEqual({ name: "CAPSTAN_WORKING_DIR", value: WORKING_DIR });
    expect(pod.metadata.labels.team).toBe("ml");
    expect(pod.metadata.labels["capstan.io/step"]).toBe(identityLabels(id)["capstan.io/step"]);
    expect(userContainerNames(pod.spec)).toEqual({ init: ["prep"], main: ["main"] });
    // The caller's spec is not modified.
    expect(spec.containers).toHaveLength(1);
    expect(() => buildPod({ namespace: "ns", spec: { containers: [{ name: OUT_FILES, image: "x" }] }, hasInputFiles: false, hasOutputFiles: false }, id)).toThrow(/reserved/);
  });

  it("uses the given name, or the given prefix with the stable hash", () => {
    expect(buildPod({ namespace: "ns", spec, hasInputFiles: false, hasOutputFiles: false, metadata: { name: "fixed" } }, id).metadata.name).toBe("fixed");
    expect(buildPod({ namespace: "ns", spec, hasInputFiles: false, hasOutputFiles: false, metadata: { generateName: "job-" } }, id).metadata.name).toMatch(/^job-[0-9a-f]{10}$/);
  });
});

describe("log cursor", () => {
  it("compares kubelet timestamps whatever their fraction length", () => {
    expect(timeKey("2026-01-02T03:04:05.5Z")! > timeKey("2026-01-02T03:04:05.123456789Z")!).toBe(true);
    expect(timeKey("2026-01-02T03:04:05Z")).toBe("2026-01-02T03:04:05.000000000");
    expect(timeKey("2026-01-02T05:04:05.1+02:00")).toBe("2026-01-02T03:04:05.100000000");
    expect(timeKey("garbage")).toBeUndefined();
    expect(parseLine("2026-01-02T03:04:05.1Z hello world")).toMatchObject({ time: "2026-01-02T03:04:05.1Z", text: "hello world" });
    expect(parseLine("2026-01-02T03:04:05.1Z ")).toMatchObject({ text: "" });
  });

  it("drops exactly the lines already read when a stream is replayed, including lines sharing a timestamp", () => {
    const t = (s: string) => `2026-01-02T03:04:05.${s}Z`;
    const log = [`${t("1")} a`, `${t("2")} b`, `${t("2")} c`, `${t("3")} d`, `${t("3")} e`, `${t("3")} f`, `${t("4")} g`];
    const cursor = new LogCursor();
    const seen: string[] = [];
    const read = (from: number, to: number) => {
      cursor.restart();
      for (const raw of log.slice(from, to)) {
        const line = parseLine(raw)!;
        if (cursor.accept(line)) seen.push(line.text);
      }
    };
    read(0, 5); // cut after "e"
    expect(cursor.sinceTime()).toBe("2026-01-02T03:04:05.300000000Z");
    read(3, 7); // the server replays from the cursor's timestamp
    read(0, 7); // a replay from the start
    expect(seen).toEqual(["a", "b", "c", "d", "e", "f", "g"]);
  });

  it("restores from a checkpoint", () => {
    const cursor = new LogCursor({ time: "2026-01-02T03:04:05.3Z", count: 2 });
    cursor.restart();
    const texts = ["2026-01-02T03:04:05.3Z d", "2026-01-02T03:04:05.3Z e", "2026-01-02T03:04:05.3Z f"].filter((r) => cursor.accept(parseLine(r)!));
    expect(texts).toEqual(["2026-01-02T03:04:05.3Z f"]);
    expect(cursor.state).toEqual({ time: "2026-01-02T03:04:05.3Z", count: 3 });
  });
});

describe("outputs protocol", () => {
  it("reads Kestra's ::{...}:: lines", () => {
    expect(parseDirective('::{"outputs":{"accuracy":0.93,"model":"m.bin"}}::')).toEqual({ outputs: { accuracy: 0.93, model: "m.bin" } });
    expect(parseDirective('  ::{"logs":[{"level":"WARN","message":"low disk"}]}::  ')).toEqual({ logs: [{ level: "warn", message: "low disk" }] });
    expect(parseDirective("::{not json}::")).toBeUndefined();
    expect(parseDirective('{"outputs":{"a":1}}')).toBeUndefined();
    expect(parseDirective('::{"level":"info"}::')).toBeUndefined();
    expect(parseDirective("plain line")).toBeUndefined();
  });
});

describe("tar", () => {
  it("round-trips files byte for byte, with parent directories", async () => {
    const big = new Uint8Array(300_000).map((_, i) => (i * 7919) % 256);
    const files = [
      { path: "a.txt", size: 2, open: async function* () { yield new TextEncoder().encode("hi"); } },
      { path: "deep/dir/données é.bin", size: big.byteLength, open: async function* () { yield big.subarray(0, 1000); yield big.subarray(1000); } },
      { path: "empty", size: 0, open: async function* () {} },
      { path: `long/${"n".repeat(150)}.txt`, size: 1, open: async function* () { yield new Uint8Array([65]); } },
    ];
    const chunks: Uint8Array[] = [];
    for await (const c of packTar(files)) chunks.push(c);
    const out = new Map<string, Buffer>();
    await unpackTar(Readable.from([Buffer.concat(chunks)]), async (e) => {
      const parts: Buffer[] = [];
      for await (const c of e.stream) parts.push(Buffer.from(c));
      out.set(e.path, Buffer.concat(parts));
    });
    expect([...out.keys()]).toEqual(files.map((f) => f.path));
    expect(out.get("deep/dir/données é.bin")!.equals(Buffer.from(big))).toBe(true);
    expect(out.get("a.txt")!.toString()).toBe("hi");
    expect(out.get("empty")!.byteLength).toBe(0);
  });

  it("fails when a file's bytes do not match its size", async () => {
    const consume = async () => {
      for await (const _ of packTar([{ path: "x", size: 5, open: async function* () { yield new Uint8Array(2); } }])) void _;
    };
    await expect(consume()).rejects.toThrow();
  });
});

describe("input files", () => {
  it("keeps paths inside the working directory", () => {
    expect(relativePath("./a//b.txt")).toBe("a/b.txt");
    for (const bad of ["/etc/passwd", "../x", "a/../../x", "", "."]) expect(() => relativePath(bad)).toThrow(/relative/);
  });

  it("resolves text, bytes, base64 and artifacts, and fails on a missing artifact", async () => {
    const storage = new ScopedArtifactStore(new MemoryArtifactStore(), "f", "e");
    const info = await storage.put("data.csv", "a,b\n1,2\n");
    const files = await prepareInputFiles({ "t.txt": "text", "b.bin": new Uint8Array([1, 2]), "c.bin": { base64: "AAEC" }, "d.csv": info.uri, "e.txt": { text: "capstan://not-an-artifact" } }, storage);
    const bytes = async (i: number) => {
      const parts: Uint8Array[] = [];
      for await (const c of files[i]!.open()) parts.push(c);
      return Buffer.concat(parts);
    };
    expect((await bytes(0)).toString()).toBe("text");
    expect([...(await bytes(1))]).toEqual([1, 2]);
    expect([...(await bytes(2))]).toEqual([0, 1, 2]);
    expect((await bytes(3)).toString()).toBe("a,b\n1,2\n");
    expect(files[3]!.size).toBe(8);
    expect((await bytes(4)).toString()).toBe("capstan://not-an-artifact");
    await expect(prepareInputFiles({ "x.csv": "capstan://f/e/missing.csv" }, storage)).rejects.toMatchObject({ code: "CAPSTAN_ARTIFACT_NOT_FOUND" });
  });
});

const at = "2026-01-02T03:04:05Z";
function pod(status: Pod["status"], restartPolicy = "Never"): Pod {
  return { metadata: { name: "p", uid: "u" }, spec: { restartPolicy, containers: [{ name: "main" }, { name: OUT_FILES }], initContainers: [{ name: INIT_FILES }] }, status } as Pod;
}

describe("pod status", () => {
  it("fails fast with the reason when the pod cannot succeed", () => {
    expect(podProblem(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu." }] }), { failOnUnschedulable: true })).toMatchObject({
      code: "CAPSTAN_K8S_POD_UNSCHEDULABLE",
      message: expect.stringContaining("3 Insufficient nvidia.com/gpu"),
    });
    expect(podProblem(pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }] }), { failOnUnschedulable: false })).toBeUndefined();
    const pull = pod({ phase: "Pending", containerStatuses: [{ name: "main", image: "nope:1", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff", message: 'Back-off pulling image "nope:1"' } } }] });
    expect(podProblem(pull, { failOnUnschedulable: true })).toMatchObject({ code: "CAPSTAN_K8S_IMAGE_PULL", container: "main" });
    // ErrImagePull alone is retried by the kubelet: not final yet.
    const once = pod({ phase: "Pending", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ErrImagePull" } } }] });
    expect(podProblem(once, { failOnUnschedulable: true })).toBeUndefined();
    const crash = pod({ phase: "Running", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 3, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { exitCode: 2, reason: "Error" } } }] }, "OnFailure");
    expect(podProblem(crash, { failOnUnschedulable: true })?.message).toMatch(/CrashLoopBackOff after 3 restarts, last exit code 2/);
  });

  it("knows when containers started and finished, and why a finished pod failed", () => {
    const running = pod({ phase: "Running", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: at } } }, { name: OUT_FILES, image: "x", imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: at } } }] });
    expect(allStarted(running, ["main"])).toBe(true);
    expect(allFinished(running, ["main"])).toBe(false);
    expect(initFilesState(running)).toBe("done");
    const done = pod({ phase: "Running", containerStatuses: [{ name: "main", image: "x", imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: 4, reason: "Error" } } }] });
    expect(allFinished(done, ["main"])).toBe(true);
    expect(exitCodes(done, ["main"])).toEqual({ main: 4 });
    expect(completionProblem(done, { init: [], main: ["main"] })).toMatchObject({ code: "CAPSTAN_K8S_POD_FAILED", container: "main", message: "container main exited with code 4 (Error)" });
    // Under OnFailure a failed container runs again: not finished.
    expect(allFinished({ ...done, spec: { ...done.spec!, restartPolicy: "OnFailure" } }, ["main"])).toBe(false);
    expect(completionProblem(pod({ phase: "Failed", reason: "DeadlineExceeded", message: "Pod was active too long" }), { init: [], main: ["main"] })?.message).toBe("the pod failed (DeadlineExceeded): Pod was active too long");
    expect(initFilesState(pod({ phase: "Pending", initContainerStatuses: [{ name: INIT_FILES, image: "x", imageID: "", ready: false, restartCount: 0, state: { running: { startedAt: at } } }] }))).toBe("running");
    expect(initFilesState(pod({ phase: "Pending" }))).toBe("pending");
  });

  it("probes whether a container has run for the last time", () => {
    const terminated = { name: "main", restartCount: 1, state: { terminated: { exitCode: 1 } } };
    expect(probeContainer({ spec: { restartPolicy: "Never" }, status: { phase: "Running", containerStatuses: [terminated] } }, "main")).toEqual({ gone: false, terminated: true, restartCount: 1 });
    expect(probeContainer({ spec: { restartPolicy: "OnFailure" }, status: { phase: "Running", containerStatuses: [terminated] } }, "main").terminated).toBe(false);
    expect(probeContainer({ spec: { restartPolicy: "OnFailure" }, status: { phase: "Failed", containerStatuses: [terminated] } }, "main").terminated).toBe(true);
  });
});

describe("checkpoints and exec status", () => {
  it("reads only well-formed checkpoints", () => {
    expect(readCheckpoint(undefined)).toBeUndefined();
    expect(readCheckpoint({ pod: { name: "p" } })).toBeUndefined();
    expect(readCheckpoint({ pod: { name: "p", namespace: "n", uid: "u" }, logs: { main: { time: at, count: 2 }, bad: { time: 1 } } })).toEqual({ pod: { name: "p", namespace: "n", uid: "u" }, logs: { main: { time: at, count: 2 } } });
  });

  it("reads exit codes from exec statuses", () => {
    expect(exitCodeOf({ status: "Success" }, "x")).toBe(0);
    expect(exitCodeOf({ status: "Failure", reason: "NonZeroExitCode", details: { causes: [{ reason: "ExitCode", message: "2" }] } }, "x")).toBe(2);
    expect(() => exitCodeOf({ status: "Failure", reason: "InternalError", message: "boom" }, "exec")).toThrow("exec failed: boom");
  });
});
