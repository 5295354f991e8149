import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { flow, schedule, type ScheduleOptions } from "@capstan/core";
import { ManualClock } from "./clock.js";
import type { CapstanServer } from "./server.js";
import { gate, startServer, tempStore } from "./test-helpers.js";

let server: CapstanServer | undefined;
afterEach(async () => {
  await server?.shutdown(1000);
  server = undefined;
});

const T0 = "2025-01-06T00:00:00Z";

function ticking(options: Partial<ScheduleOptions<{ at?: string }>> = {}, step: (at: string) => unknown = () => "tick") {
  return flow({ id: "tick", inputs: z.object({ at: z.string().default("?") }), triggers: [schedule({ cron: "*/10 * * * * *", catchUp: "none", inputs: ({ scheduledAt }) => ({ at: scheduledAt.toISOString() }), ...options })] })
    .step("run", ({ inputs }) => step(inputs.at));
}

async function scheduled(store: { list(): Promise<{ trigger: unknown; id: string }[]> }) {
  return (await store.list()).map((s) => s.trigger as { scheduledAt: string; catchUp?: boolean }).sort((a, b) => a.scheduledAt.localeCompare(b.scheduledAt));
}

describe("schedules", () => {
  it("fires on the cron as the clock moves, with inputs from the scheduled time", async () => {
    const clock = new ManualClock(T0);
    const s = await startServer([ticking()], { clock });
    server = s.server;
    await clock.advance(9_999);
    expect(await s.store.list()).toEqual([]);
    await clock.advance(25_000);
    await server.idle();
    const runs = await scheduled(s.store);
    expect(runs.map((r) => r.scheduledAt)).toEqual(["2025-01-06T00:00:10.000Z", "2025-01-06T00:00:20.000Z", "2025-01-06T00:00:30.000Z"]);
    const ex = await s.store.get((await s.store.list())[0]!.id);
    expect(ex).toMatchObject({ state: "SUCCESS", inputs: { at: "2025-01-06T00:00:30.000Z" }, trigger: { type: "schedule", cron: "*/10 * * * * *" } });
  });

  it("reads the cron in its time zone", async () => {
    const clock = new ManualClock("2025-07-01T00:00:00Z");
    const f = flow({ id: "nightly", triggers: [schedule({ cron: "0 3 * * *", timezone: "Europe/Berlin", catchUp: "none" })] }).step("a", () => 1);
    const s = await startServer([f], { clock });
    server = s.server;
    expect(server.scheduler.next()[0]?.at?.toISOString()).toBe("2025-07-01T01:00:00.000Z"); // CEST, UTC+2
    await clock.advanceTo("2025-07-01T01:00:00Z");
    await server.idle();
    expect((await s.store.list()).length).toBe(1);
  });

  for (const [policy, expected] of [
    ["all", ["00:00:10", "00:00:20", "00:00:30", "00:00:40", "00:00:50"]],
    ["last", ["00:00:50"]],
    ["none", []],
  ] as const) {
    it(`catches up missed runs after a restart: ${policy}`, async () => {
      const store = tempStore();
      const order: string[] = [];
      const g = gate();
      writeFileSync(join(store.home, "schedules.json"), JSON.stringify({ "tick|*/10 * * * * *|": { lastScheduledAt: "2025-01-06T00:00:00.000Z" } }));
      const clock = new ManualClock("2025-01-06T00:00:55Z");
      const s = await startServer([ticking({ catchUp: policy }, async (at) => (order.push(at), at.endsWith("10.000Z") ? g.wait() : undefined))], { clock, store });
      server = s.server;
      if (policy === "all") {
        await g.reached;
        // Missed runs go one at a time: the later ones wait for the first.
        expect(server.runner.running()).toBe(1);
        g.open();
      }
      await server.idle();
      await clock.advance(0);
      await server.idle();
      expect(order.map((at) => at.slice(11, 19))).toEqual(expected);
      expect((await scheduled(s.store)).every((t) => t.catchUp === true)).toBe(true);
    });
  }

  it("overlap skip: no second run while the first still runs", async () => {
    const clock = new ManualClock(T0);
    const g = gate();
    const s = await startServer([ticking({ overlap: "skip" }, () => g.wait())], { clock });
    server = s.server;
    await clock.advance(10_000);
    await g.reached;
    await clock.advance(20_000);
    expect((await s.store.list()).length).toBe(1);
    expect(s.logs.some((l) => l.includes("skipped the run scheduled at 2025-01-06T00:00:20.000Z"))).toBe(true);
    g.open();
    await server.idle();
  });

  it("overlap queue: the next run starts when the previous one ends", async () => {
    const clock = new ManualClock(T0);
    const g = gate();
    let running = 0;
    let most = 0;
    const s = await startServer([ticking({ overlap: "queue" }, async () => { running++; most = Math.max(most, running); await g.wait(); running--; })], { clock });
    server = s.server;
    await clock.advance(20_000);
    await g.reached;
    expect(server.runner.running()).toBe(1);
    g.open();
    await server.idle();
    await clock.advance(0);
    await server.idle();
    expect((await s.store.list()).length).toBe(2);
    expect(most).toBe(1);
  });

  it("overlap allow: runs side by side", async () => {
    const clock = new ManualClock(T0);
    const g = gate();
    const s = await startServer([ticking({ overlap: "allow" }, () => g.wait())], { clock });
    server = s.server;
    await clock.advance(20_000);
    expect(server.runner.running()).toBe(2);
    g.open();
    await server.idle();
  });

  it("rejects a cron expression croner cannot read", async () => {
    const f = flow({ id: "bad", triggers: [schedule({ cron: "61 * * * *", catchUp: "none" })] }).step("a", () => 1);
    await expect(startServer([f])).rejects.toThrow(/schedule cron "61 \* \* \* \*" is not valid/);
  });
});
