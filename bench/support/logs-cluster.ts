/**
 * The emulated cluster for bench/logs.ts, in its own process so that its memory (it keeps every
 * log line, as a kubelet keeps a container's log file) and CPU are not counted as Capstan's.
 * Registers a container that prints LINES numbered lines, adds the log-stream cuts asked for,
 * prints the kubeconfig as one JSON line on stdout, answers each `cpu` line on stdin with its CPU
 * time so far (µs, one JSON line), and runs until stdin closes.
 */
import { createInterface } from "node:readline";
import { mockCluster } from "@capstan/testing";

const cuts = Number(process.env.CUTS ?? "0");
const cluster = await mockCluster();
cluster.programs.register("capstan-bench/lines:*", async (ctx) => {
  const total = Number(ctx.env.LINES);
  const chunk = 5000;
  for (let i = 1; i <= total; i += chunk) {
    let text = "";
    for (let j = i; j < Math.min(i + chunk, total + 1); j++) text += `line ${j}\n`;
    ctx.stdout.write(text);
    // Yield, so the log is produced while it is read, as a real workload's would be.
    await new Promise((r) => setImmediate(r));
  }
  return 0;
});
for (let i = 0; i < cuts; i++) {
  cluster.faults.add({ match: { resource: "pods", subresource: "log" }, action: { type: "cutStream", after: 150_000, mode: i % 2 ? "reset" : "close" }, times: 1 });
}
process.stdout.write(`${JSON.stringify({ kubeconfig: cluster.kubeconfig })}\n`);
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line === "cpu") {
      const { user, system } = process.cpuUsage();
      process.stdout.write(`${JSON.stringify({ cpuMicros: user + system })}\n`);
    }
  })
  .on("close", () => void cluster.close().then(() => process.exit(0)));
