/**
 * End-to-end: @kubernetes/client-node against mockCluster(): watching a rollout, following logs,
 * exec and Cp through the server's exec WebSocket, eviction, and programmable containers.
 */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AppsV1Api, CoreV1Api, Cp, Exec, KubeConfig, Log, Watch, type V1Deployment, type V1Pod, type V1Status } from "@kubernetes/client-node";
import { mockCluster, type MockCluster } from "../src/emulator/cluster.js";

let cluster: MockCluster;
let kc: KubeConfig;
let dir: string;

beforeEach(async () => {
  cluster = await mockCluster();
  kc = cluster.kubeConfig();
  dir = mkdtempSync(join(tmpdir(), "capstan-client-"));
});

afterEach(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

function sink(): { stream: Writable; text: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  let done!: () => void;
  const ended = new Promise<void>((r) => (done = r));
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
    final(cb) {
      done();
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString(), ended };
}

async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const deployment = (name: string, image: string, replicas: number): V1Deployment => ({
  metadata: { name },
  spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } } },
});

describe("client-node against the emulated cluster", () => {
  it("watches a Deployment until it is Available", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const seen: string[] = [];
    const available = new Promise<V1Deployment>((resolve, reject) => {
      void new Watch(kc)
        .watch("/apis/apps/v1/namespaces/default/deployments", { fieldSelector: "metadata.name=api" }, (type, obj: V1Deployment) => {
          seen.push(type);
          if (obj.status?.conditions?.some((c) => c.type === "Available" && c.status === "True") && obj.status.availableReplicas === 2) resolve(obj);
        }, (err) => (err ? reject(err as Error) : undefined))
        .then((ctrl) => available.finally(() => ctrl.abort()));
    });
    await apps.createNamespacedDeployment({ namespace: "default", body: deployment("api", "ghcr.io/acme/api:1", 2) });
    const d = await available;
    expect(seen[0]).toBe("ADDED");
    expect(d.status?.observedGeneration).toBe(d.metadata?.generation);
    const pods = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: "default", labelSelector: "app=api" });
    expect(pods.items).toHaveLength(2);
    expect(pods.items.every((p) => p.status?.phase === "Running" && p.status.podIP?.startsWith("10.244."))).toBe(true);
  });

  it("follows the log of a programmable container", async () => {
    cluster.programs.register("ghcr.io/acme/worker:*", async (ctx) => {
      ctx.stdout.write(`starting ${ctx.env["MODE"]}\n`);
      for (let i = 1; i <= 3; i++) {
        await ctx.sleep(20);
        ctx.stdout.write(`step ${i}\n`);
      }
      return 0;
    });
    const core = kc.makeApiClient(CoreV1Api);
    const body: V1Pod = { metadata: { name: "worker" }, spec: { restartPolicy: "Never", containers: [{ name: "w", image: "ghcr.io/acme/worker:2", env: [{ name: "MODE", value: "batch" }] }] } };
    await core.createNamespacedPod({ namespace: "default", body });
    await until(async () => ((await core.readNamespacedPod({ name: "worker", namespace: "default" })).status?.phase === "Running" ? true : undefined), "Running");
    const out = sink();
    await new Log(kc).log("default", "worker", "w", out.stream, { follow: true });
    await out.ended;
    expect(out.text()).toBe("starting batch\nstep 1\nstep 2\nstep 3\n");
    const final = await until(async () => {
      const p = await core.readNamespacedPod({ name: "worker", namespace: "default" });
      return p.status?.phase === "Succeeded" ? p : undefined;
    }, "Succeeded");
    expect(final.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(0);
    expect(await core.readNamespacedPodLog({ name: "worker", namespace: "default", container: "w", tailLines: 1 })).toBe("step 3\n");
  });

  it("execs and copies files through the exec WebSocket", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: "default", body: { metadata: { name: "shell" }, spec: { containers: [{ name: "main", image: "alpine:3", command: ["sleep", "infinity"] }] } } });
    await until(async () => ((await core.readNamespacedPod({ name: "shell", namespace: "default" })).status?.containerStatuses?.[0]?.started ? true : undefined), "started");
    const out = sink();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec("default", "shell", "main", ["sh", "-c", "echo $((6*7))"], out.stream, null, null, false, resolve).catch(reject);
    });
    expect(status.status).toBe("Success");
    expect(out.text()).toBe("42\n");

    mkdirSync(join(dir, "src"));
    writeFileSync(join(dir, "src", "config.json"), '{"ok":true}\n');
    const cp = new Cp(kc);
    await cp.cpToPod("default", "shell", "main", join(dir, "src"), "/tmp");
    // Cp resolves before the transfer ends: poll the pod for the file.
    await until(async () => {
      const o = sink();
      const s = await new Promise<V1Status>((resolve, reject) => {
        new Exec(kc).exec("default", "shell", "main", ["cat", "/tmp/config.json"], o.stream, null, null, false, resolve).catch(reject);
      });
      return s.status === "Success" && o.text() === '{"ok":true}\n' ? true : undefined;
    }, "uploaded file");
    mkdirSync(join(dir, "dest"));
    await cp.cpFromPod("default", "shell", "main", "config.json", join(dir, "dest"), "/tmp");
    await until(() => (existsSync(join(dir, "dest", "config.json")) && readFileSync(join(dir, "dest", "config.json"), "utf8") === '{"ok":true}\n' ? true : undefined), "downloaded file");
    // tar-fs sets file times after writing; let it finish before the directory is removed.
    await new Promise((r) => setTimeout(r, 50));
  });

  it("evicts a pod through the eviction subresource and the ReplicaSet replaces it", async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    await apps.createNamespacedDeployment({ namespace: "default", body: deployment("ev", "nginx:1.25", 1) });
    const first = await until(async () => {
      const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=ev" });
      return list.items.find((p) => p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
    }, "ready pod");
    await core.createNamespacedPodEviction({ name: first.metadata?.name ?? "", namespace: "default", body: { metadata: { name: first.metadata?.name ?? "" } } });
    const replacement = await until(async () => {
      const list = await core.listNamespacedPod({ namespace: "default", labelSelector: "app=ev" });
      return list.items.find((p) => p.metadata?.name !== first.metadata?.name && p.status?.phase === "Running");
    }, "replacement pod");
    expect(replacement.metadata?.name).toMatch(/^ev-/);
  });
});
