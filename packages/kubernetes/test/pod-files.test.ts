/** Files in and out of the pod, byte for byte, and the GPU training blueprint. */
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryArtifactStore, ScopedArtifactStore } from "@capstan/core";
import type { MockCluster } from "@capstan/testing";
import { noPodsLeft, podCreates, runPod, startCluster } from "./pod-helpers.js";

const WORK = "/capstan/work";
let cluster: MockCluster;

beforeAll(async () => {
  cluster = await startCluster({
    runtime: {
      nodes: [
        { name: "cpu-1" },
        { name: "gpu-1", labels: { "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" }, capacity: { cpu: "16", memory: "64Gi", pods: "110", "nvidia.com/gpu": "1" } },
      ],
    },
  });
  // Copies every input file under out/ and writes a file of its own.
  cluster.programs.register("capstan-test/copy:*", (ctx) => {
    const walk = (dir: string): string[] => ctx.fs.readdir(dir).flatMap((n) => (ctx.fs.stat(`${dir}/${n}`)?.type === "dir" ? walk(`${dir}/${n}`) : [`${dir}/${n}`]));
    for (const path of walk(WORK)) {
      const rel = path.slice(WORK.length + 1);
      const target = `${WORK}/out/${rel}`;
      ctx.fs.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      ctx.fs.writeFile(target, ctx.fs.readFile(path));
      ctx.stdout.write(`copied ${rel}\n`);
    }
    ctx.fs.writeFile(`${WORK}/report.txt`, "all copied\n");
    ctx.fs.writeFile(`${WORK}/scratch.tmp`, "not collected\n");
    return 0;
  });
  // "Trains" on dataset.csv: logs progress per row, writes a model, reports metrics as outputs.
  cluster.programs.register("capstan-test/train:*", async (ctx) => {
    const rows = ctx.fs.readText(`${WORK}/dataset.csv`).trim().split("\n").slice(1);
    for (const [i, row] of rows.entries()) {
      ctx.stdout.write(`epoch 1 row ${i + 1}/${rows.length}: ${row}\n`);
      await ctx.sleep(1);
    }
    const model = createHash("sha256").update(rows.join("|")).digest();
    ctx.fs.mkdir(`${WORK}/model`, { recursive: true });
    ctx.fs.writeFile(`${WORK}/model/model.bin`, model);
    ctx.stdout.write(`::{"outputs":{"rows":${rows.length},"node":"${(ctx.pod.spec as { nodeName?: string } | undefined)?.nodeName ?? ""}"}}::\n`);
    return 0;
  });
});
afterAll(() => cluster.close());

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("podCreate files", () => {
  it("places input files before the containers start and brings output files back byte for byte", async () => {
    const storage = new MemoryArtifactStore();
    const upstream = await new ScopedArtifactStore(storage, "ingest", "run-1").put("exports/data.bin", randomBytes(200_000));
    const binary = randomBytes(1_000_000);
    const run = await runPod(
      cluster,
      {
        spec: { containers: [{ name: "main", image: "capstan-test/copy:1" }] },
        inputFiles: {
          "bin/random.bin": binary,
          "notes/élan 1.txt": "unicode ✓ and spaces\n",
          "b64.bin": { base64: Buffer.from([0, 255, 10, 13]).toString("base64") },
          "data.bin": upstream.uri,
        },
        outputFiles: ["out/**", "report.txt", "missing/*.csv"],
      },
      { storage },
    );
    expect(run.execution.state).toBe("SUCCESS");
    const out = (run.execution.outputs as { job: { outputFiles: Record<string, string> } }).job.outputFiles;
    expect(Object.keys(out).sort()).toEqual(["out/b64.bin", "out/bin/random.bin", "out/data.bin", "out/notes/élan 1.txt", "report.txt"]);
    expect(sha(await storage.get(out["out/bin/random.bin"]!))).toBe(sha(binary));
    expect(sha(await storage.get(out["out/data.bin"]!))).toBe(upstream.sha256);
    expect(Buffer.from(await storage.get(out["out/notes/élan 1.txt"]!)).toString()).toBe("unicode ✓ and spaces\n");
    expect([...(await storage.get(out["out/b64.bin"]!))]).toEqual([0, 255, 10, 13]);
    expect(out["report.txt"]).toMatch(/^capstan:\/\/pods\/[^/]+\/job\/report\.txt$/);
    expect(run.lines()).toContain("copied bin/random.bin");
    expect(run.execution.logs.some((l) => l.level === "warn" && l.message.includes('"missing/*.csv" matched no file'))).toBe(true);
    await noPodsLeft(cluster);
  });

  it("fails before creating any pod when an input artifact does not exist", async () => {
    cluster.clearRequests();
    const run = await runPod(cluster, { spec: { containers: [{ name: "main", image: "capstan-test/copy:1" }] }, inputFiles: { "x.csv": "capstan://pods/nope/x.csv" } });
    expect(run.execution.error?.code).toBe("CAPSTAN_ARTIFACT_NOT_FOUND");
    expect(podCreates(cluster)).toBe(0);
  });

  it("runs the GPU training blueprint: dataset in, model out, logs streamed, pod deleted", async () => {
    const storage = new MemoryArtifactStore();
    const dataset = await new ScopedArtifactStore(storage, "ingest", "run-7").put("dataset.csv", "x,y\n1,2\n3,4\n5,6\n");
    const run = await runPod(
      cluster,
      {
        spec: {
          nodeSelector: { "cloud.google.com/gke-accelerator": "nvidia-tesla-a100" },
          containers: [{ name: "main", image: "capstan-test/train:1", resources: { limits: { "nvidia.com/gpu": "1" } } }],
        },
        inputFiles: { "dataset.csv": dataset.uri },
        outputFiles: ["model/**"],
      },
      { storage },
    );
    expect(run.execution.state).toBe("SUCCESS");
    const job = (run.execution.outputs as { job: { vars: Record<string, unknown>; outputFiles: Record<string, string> } }).job;
    expect(job.vars).toEqual({ rows: 3, node: "gpu-1" });
    const model = await storage.get(job.outputFiles["model/model.bin"]!);
    expect(sha(model)).toBe(sha(createHash("sha256").update("1,2|3,4|5,6").digest()));
    expect(run.lines()).toEqual(["epoch 1 row 1/3: 1,2", "epoch 1 row 2/3: 3,4", "epoch 1 row 3/3: 5,6"]);
    await noPodsLeft(cluster);
  });
});

describe("podCreate over TLS with a bearer token", () => {
  it("streams logs, moves files and watches with the kubeconfig's credentials", async () => {
    const secure = await startCluster({ tls: true, token: "s3cr3t-token-for-tests" });
    try {
      const storage = new MemoryArtifactStore();
      const run = await runPod(
        secure,
        { spec: { containers: [{ name: "main", image: "busybox", command: ["sh", "-c", `cat ${WORK}/in.txt; cp ${WORK}/in.txt ${WORK}/out.txt`] }] }, inputFiles: { "in.txt": "over tls\n" }, outputFiles: ["out.txt"] },
        { storage },
      );
      expect(run.execution.state).toBe("SUCCESS");
      expect(run.lines()).toEqual(["over tls"]);
      const uri = (run.execution.outputs as { job: { outputFiles: Record<string, string> } }).job.outputFiles["out.txt"]!;
      expect(Buffer.from(await storage.get(uri)).toString()).toBe("over tls\n");
      // Every request carried the token (the server refuses requests without it).
      expect(secure.requests.every((r) => r.status !== 401)).toBe(true);
      await noPodsLeft(secure);
    } finally {
      await secure.close();
    }
  });
});
