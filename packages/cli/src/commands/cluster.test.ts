import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { clusterCommand } from "./cluster.js";

it("serves a seeded cluster, writes its kubeconfig and stops cleanly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "capstan-cluster-"));
  const seed = join(dir, "seed.yaml");
  writeFileSync(seed, "apiVersion: v1\nkind: Namespace\nmetadata: { name: team }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg, namespace: team }\ndata: { a: b }\n");
  let out = "";
  const stdout = new Writable({ write: (chunk, _enc, cb) => ((out += String(chunk)), cb()) });
  const ctx = { io: { stdout, stderr: stdout }, exitCode: -1 };
  const stop = new AbortController();
  const kubeconfig = join(dir, "kubeconfig");
  const running = clusterCommand(ctx as never, stop.signal).parseAsync(["serve", "--kubeconfig", kubeconfig, "--seed", seed, "--kube-version", "1.30"], { from: "user" });
  while (!out.includes("listening on")) await new Promise((r) => setTimeout(r, 10));
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string;
  expect(readFileSync(kubeconfig, "utf8")).toContain(`server: ${url}`);
  expect(await (await fetch(`${url}/version`)).json()).toMatchObject({ major: "1", minor: "30" });
  expect(await (await fetch(`${url}/api/v1/namespaces/team/configmaps/cfg`)).json()).toMatchObject({ data: { a: "b" } });
  stop.abort();
  await running;
  expect(ctx.exitCode).toBe(0);
  await expect(fetch(`${url}/version`)).rejects.toThrow();
});
