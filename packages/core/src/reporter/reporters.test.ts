import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { flow } from "../dsl/flow.js";
import type { ExecutionEvent } from "../engine/events.js";
import { RunModel } from "./model.js";
import { treeLines } from "./format.js";
import { summary } from "./summary.js";
import { createReporter } from "./reporters.js";

const strip = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

const demo = flow({ id: "demo" })
  .step("flaky", ({ attempt }) => { if (attempt === 1) throw new Error("503"); return 1; }, { retry: { attempts: 2, delay: 1 } })
  .forEach("each", [1, 2, 3], { concurrency: 2, onItemError: "continue" }, (b) => b.step("w", ({ item }) => { if (item === 2) throw new Error("bad item"); return item; }))
  .if("gate", () => false, (t) => t.step("yes", () => 1), (e) => e.step("no", () => 2));

describe("reporters", () => {
  it("builds the live tree from events: retries, forEach counts, skipped arms", async () => {
    const model = new RunModel();
    const frames: string[] = [];
    await demo.run({ onEvent: (e) => { model.apply(e); frames.push(strip(treeLines(model.roots, e.time, 0).join("\n"))); } });
    const last = frames.at(-1)!;
    expect(last).toMatch(/✔ flaky attempt 2 \d+ms/);
    expect(last).toMatch(/✔ each forEach 3\/3 done, 1 failed \d+ms/);
    expect(last).toMatch(/✔ gate if \d+ms\n {4}○ yes skipped\n {4}✔ no \d+ms/);
    expect(frames.some((f) => /each forEach \d\/3 done, \d running/.test(f))).toBe(true);
    expect(model.state).toBe("SUCCESS");
  });

  it("summarises states, durations, item counts and the failure with its hint", async () => {
    const ex = await flow({ id: "s" }).step("ok", () => 1).step("bad", () => { throw new Error("kaput"); }).run();
    const text = summary(ex, false);
    expect(text).toMatch(/^s FAILED in \d+ms {2}execution /);
    expect(text).toContain("SUCCESS   ok");
    expect(text).toContain("FAILED    bad");
    expect(text).toContain("step bad failed: CAPSTAN_STEP_FAILED: kaput");
    expect(summary(ex, false, false).split("\n").filter((l) => l.includes("SUCCESS   ok"))).toHaveLength(0);
  });

  it("plain reporter prints one line per event", async () => {
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const reporter = createReporter("plain", out);
    await demo.run({ onEvent: (e: ExecutionEvent) => reporter.onEvent(e) });
    reporter.close();
    expect(text).toMatch(/↻ flaky attempt 1 failed: 503; retrying in 1ms/);
    expect(text).toMatch(/✖ each\[1\]\.w failed in \d+ms: CAPSTAN_STEP_FAILED: bad item/);
    expect(text).toMatch(/○ gate\.then\.yes skipped\n/);
    expect(text).toMatch(/flow demo SUCCESS in/);
  });

  it("shows what a running step says it is doing (ctx.phase), in the tree and as plain lines", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const model = new RunModel();
    const out = new PassThrough();
    let text = "";
    out.on("data", (d) => (text += d));
    const plain = createReporter("plain", out);
    let seen: string | undefined;
    const run = flow({ id: "p" })
      .step("job", async ({ phase }) => {
        phase("scheduling");
        phase("running");
        await held;
        return 1;
      })
      .run({ onEvent: (e) => {
        model.apply(e);
        plain.onEvent(e);
        if (e.type === "step.phase" && e.phase === "running") (seen = strip(treeLines(model.roots, e.time, 0).join("\n"))), release();
      } });
    await run;
    plain.close();
    expect(seen).toMatch(/job running \d+ms/);
    expect(strip(treeLines(model.roots, Date.now(), 0).join("\n"))).toMatch(/✔ job \d+ms$/);
    expect(text).toMatch(/… job scheduling\n.*… job running\n/);
  });
});
