/**
 * End-to-end: the real kubectl against mockCluster(), exercising the controllers, scheduler,
 * simulated kubelet, logs, exec and cp as a user would on a real cluster.
 */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockCluster, type MockCluster } from "../src/emulator/cluster.js";

let cluster: MockCluster;
let dir: string;

beforeEach(async () => {
  cluster = await mockCluster();
  dir = mkdtempSync(join(tmpdir(), "capstan-workloads-"));
  await cluster.writeKubeconfig(join(dir, "kubeconfig"));
});

afterEach(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl asynchronously (a sync spawn would block the in-process server) with a fresh cache dir. */
function kubectl(args: string[], input?: string): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile("kubectl", ["--kubeconfig", join(dir, "kubeconfig"), "--cache-dir", join(dir, "cache"), ...args], { timeout: 30_000, cwd: dir }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

describe("Deployments with kubectl", () => {
  it("rolls out, waits for Available, restarts and rolls out again", async () => {
    expect(await ok(["create", "deployment", "web", "--image=nginx:1.25", "--replicas=3"])).toBe("deployment.apps/web created\n");
    expect(await ok(["wait", "--for=condition=Available", "deployment/web", "--timeout=20s"])).toBe("deployment.apps/web condition met\n");
    expect(await ok(["rollout", "status", "deployment/web", "--timeout=20s"])).toContain('deployment "web" successfully rolled out');
    const before = JSON.parse(await ok(["get", "deployment", "web", "-o", "json"])) as { metadata: { annotations: Record<string, string> }; status: Record<string, unknown> };
    expect(before.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("1");
    expect(before.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });

    expect(await ok(["rollout", "restart", "deployment/web"])).toBe("deployment.apps/web restarted\n");
    expect(await ok(["rollout", "status", "deployment/web", "--timeout=20s"])).toContain('deployment "web" successfully rolled out');
    const rs = JSON.parse(await ok(["get", "rs", "-o", "json"])) as { items: { metadata: { annotations: Record<string, string> }; spec: { replicas: number } }[] };
    expect(rs.items.map((r) => [r.metadata.annotations["deployment.kubernetes.io/revision"], r.spec.replicas]).sort()).toEqual([
      ["1", 0],
      ["2", 3],
    ]);
    const history = await ok(["rollout", "history", "deployment/web"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
  });

  it("deletes a deployment with its ReplicaSets and pods (foreground cascade)", async () => {
    await ok(["create", "deployment", "gone", "--image=nginx:1.25", "--replicas=2"]);
    await ok(["rollout", "status", "deployment/gone", "--timeout=20s"]);
    expect(await ok(["delete", "deployment", "gone", "--cascade=foreground", "--timeout=20s"])).toBe('deployment.apps "gone" deleted\n');
    const left = await kubectl(["get", "rs,pods", "-l", "app=gone", "-o", "name"]);
    expect(left.stdout).toBe("");
  });

  it("reports a stuck rollout when the image cannot be pulled", async () => {
    cluster.runtime?.faults.failImagePull({ image: "example.com/missing:*" });
    await ok(["create", "deployment", "stuck", "--image=example.com/missing:v1"]);
    await ok(["patch", "deployment", "stuck", "-p", '{"spec":{"progressDeadlineSeconds":20}}']);
    const r = await kubectl(["rollout", "status", "deployment/stuck", "--timeout=20s"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: deployment "stuck" exceeded its progress deadline');
    const pods = JSON.parse(await ok(["get", "pods", "-l", "app=stuck", "-o", "json"])) as { items: { status: { containerStatuses: { state: { waiting?: { reason: string } } }[] } }[] };
    expect(["ErrImagePull", "ImagePullBackOff"]).toContain(pods.items[0]?.status.containerStatuses[0]?.state.waiting?.reason);
  });
});

describe("Pods with kubectl", () => {
  it("run + logs prints the container's output", async () => {
    expect(await ok(["run", "hello", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo hi"])).toBe("pod/hello created\n");
    await ok(["wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/hello", "--timeout=20s"]);
    expect(await ok(["logs", "hello"])).toBe("hi\n");
    const stamped = await ok(["logs", "hello", "--timestamps"]);
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z hi\n$/);
  });

  it("follows logs until the container exits", async () => {
    // sleep 100 is 100 ms of real time under the default time scale
    await ok(["run", "counter", "--image=busybox", "--restart=Never", "--", "sh", "-c", "for i in 1 2 3; do echo line $i; sleep 100; done"]);
    await ok(["wait", "--for=jsonpath={.status.phase}=Running", "pod/counter", "--timeout=20s"]);
    expect(await ok(["logs", "-f", "counter"])).toBe("line 1\nline 2\nline 3\n");
  });

  it("shows an unschedulable pod's scheduler message", async () => {
    await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "gpu" }, spec: { containers: [{ name: "c", image: "cuda:12", resources: { limits: { "nvidia.com/gpu": "1" } } }] } }));
    await ok(["wait", "--for=condition=PodScheduled=false", "pod/gpu", "--timeout=20s"]);
    const events = await ok(["get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"]);
    expect(events).toContain("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    const r = await kubectl(["logs", "gpu"]);
    expect(r.stdout).toBe("");
  });

  it("exec runs commands in the container, with stdin and exit codes", async () => {
    await ok(["run", "box", "--image=nginx:1.25"]);
    await ok(["wait", "--for=condition=Ready", "pod/box", "--timeout=20s"]);
    expect(await ok(["exec", "box", "--", "sh", "-c", "echo $HOSTNAME; mkdir -p /srv && echo saved > /srv/f && cat /srv/f"])).toBe("box\nsaved\n");
    expect(await ok(["exec", "-i", "box", "--", "sh", "-c", "cat | wc -l"], "a\nb\n")).toBe("2\n");
    const failed = await kubectl(["exec", "box", "--", "sh", "-c", "echo oops >&2; exit 3"]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("oops");
    const missing = await kubectl(["exec", "box", "-c", "nope", "--", "true"]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("container nope is not valid for pod box");
  });

  it("cp copies files into and out of a pod", async () => {
    await ok(["run", "files", "--image=nginx:1.25"]);
    await ok(["wait", "--for=condition=Ready", "pod/files", "--timeout=20s"]);
    writeFileSync(join(dir, "upload.txt"), "payload\n");
    await ok(["cp", join(dir, "upload.txt"), "files:/tmp/upload.txt"]);
    expect(await ok(["exec", "files", "--", "cat", "/tmp/upload.txt"])).toBe("payload\n");
    await ok(["exec", "files", "--", "sh", "-c", "echo generated > /tmp/out.txt"]);
    await ok(["cp", "files:/tmp/out.txt", join(dir, "download.txt")]);
    expect(readFileSync(join(dir, "download.txt"), "utf8")).toBe("generated\n");
  });
});

describe("Jobs and StatefulSets with kubectl", () => {
  it("waits for a Job to complete", async () => {
    await ok(["create", "job", "once", "--image=busybox", "--", "sh", "-c", "echo done"]);
    expect(await ok(["wait", "--for=condition=complete", "job/once", "--timeout=20s"])).toBe("job.batch/once condition met\n");
    expect(await ok(["logs", "job/once"])).toBe("done\n");
    const job = JSON.parse(await ok(["get", "job", "once", "-o", "json"])) as { status: { succeeded: number } };
    expect(job.status.succeeded).toBe(1);
  });

  it("reports a failed Job", async () => {
    await ok(["apply", "-f", "-"], JSON.stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "bad" }, spec: { backoffLimit: 1, template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "exit 2"] }] } } } }));
    expect(await ok(["wait", "--for=condition=failed", "job/bad", "--timeout=20s"])).toBe("job.batch/bad condition met\n");
  });

  it("rolls out a StatefulSet in order and after an update", async () => {
    const sts = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db" },
      spec: { replicas: 3, serviceName: "db", selector: { matchLabels: { app: "db" } }, template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "postgres:16" }] } } },
    };
    await ok(["apply", "-f", "-"], JSON.stringify(sts));
    // The apiserver defaults rollingUpdate.partition to 0, so kubectl reports a partitioned roll out.
    expect(await ok(["rollout", "status", "statefulset/db", "--timeout=20s"])).toContain("partitioned roll out complete: 3 new pods have been updated...");
    await ok(["set", "image", "statefulset/db", "db=postgres:17"]);
    const out = await ok(["rollout", "status", "statefulset/db", "--timeout=20s"]);
    expect(out).toContain("partitioned roll out complete: 3 new pods have been updated...");
    const sts1 = JSON.parse(await ok(["get", "sts", "db", "-o", "json"])) as { status: Record<string, unknown> };
    expect(sts1.status["currentRevision"]).toBe(sts1.status["updateRevision"]);
    const images = await ok(["get", "pods", "-l", "app=db", "-o", "jsonpath={.items[*].spec.containers[0].image}"]);
    expect(images).toBe("postgres:17 postgres:17 postgres:17");
  });

  it("rolls out a DaemonSet on every node", async () => {
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "agent:1" }] } } } };
    await ok(["apply", "-f", "-"], JSON.stringify(ds));
    expect(await ok(["rollout", "status", "daemonset/agent", "--timeout=20s"])).toContain('daemon set "agent" successfully rolled out');
    const nodes = await ok(["get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}"]);
    expect(nodes.split(" ").sort()).toEqual(["node-1", "node-2", "node-3"]);
  });
});
