/**
 * The emulated cluster for bench/logs.ts, in its own process so that its memory (it keeps every
 * log line, as a kubelet keeps a container's log file) and CPU are not counted as Capstan's.
 * Registers a container that prints LINES numbered lines, adds the log-stream cuts asked for,
 * prints the kubeconfig as one JSON line on stdout, and runs until stdin closes.
 */
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
process.stdin.resume();
process.stdin.on("end", () => void cluster.close().then(() => process.exit(0)));
