import { describe, expect, it } from "vitest";
import { z } from "zod";
import { flow } from "../dsl/flow.js";
import { secret } from "../runtime/secrets.js";
import { after, manual, schedule, webhook } from "./define.js";

describe("triggers", () => {
  const upstream = flow({ id: "build" }).step("compile", () => ({ artifact: "a.tgz" }));
  const f = flow({
    id: "deploy",
    inputs: z.object({ artifact: z.string().default("latest"), region: z.string().default("eu") }),
    triggers: [
      schedule({ cron: "0  3 * * 1", timezone: "Europe/Berlin", catchUp: "last", inputs: { region: "us" } }),
      webhook({ path: "/deploy/", key: secret("DEPLOY_KEY"), wait: true }),
      after(upstream, { on: "success", inputs: (out) => ({ artifact: out?.compile.artifact }) }),
      manual(),
    ],
  }).step("ship", ({ inputs }) => inputs.artifact);

  it("are kept on the flow and shown in graph() without secret values", () => {
    expect(f.meta.triggers?.map((t) => t.type)).toEqual(["schedule", "webhook", "after", "manual"]);
    expect(f.graph().triggers).toEqual([
      { type: "schedule", cron: "0 3 * * 1", timezone: "Europe/Berlin", catchUp: "last", overlap: "skip", inputs: { region: "us" } },
      { type: "webhook", path: "deploy", key: "secret(DEPLOY_KEY)", wait: true, maxBodyBytes: 1048576 },
      { type: "after", flow: "build", on: "success", mapsInputs: true },
      { type: "manual" },
    ]);
    expect(flow({ id: "plain" }).step("a", () => 1).graph().triggers).toBeUndefined();
  });

  it("reject bad declarations with a clear message", () => {
    expect(() => schedule({ cron: "every day", catchUp: "none" })).toThrow(/cron "every day" is not a cron expression/);
    expect(() => schedule({ cron: "* * * *", catchUp: "none" })).toThrow(/not a cron expression/);
    expect(() => schedule({ cron: "0 3 * * *", timezone: "Mars/Olympus", catchUp: "none" })).toThrow(/timezone "Mars\/Olympus" is not a known time zone/);
    expect(() => schedule({ cron: "0 3 * * *", catchUp: "some" as never })).toThrow(/catchUp is "some"; expected "all", "last", "none"/);
    expect(() => schedule({ cron: "0 3 * * *", catchUp: "all", overlap: "never" as never })).toThrow(/overlap is "never"/);
    expect(() => webhook({ path: "../etc", key: secret("K") })).toThrow(/path "..\/etc" is not valid/);
    expect(() => webhook({ path: "ok", key: "plain-text" as never })).toThrow(/key must be a secret reference/);
    expect(() => webhook({ path: "ok", key: secret("K"), maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => after("", { on: "success" })).toThrow(/pass the upstream flow or its id/);
    expect(() => after("x", { on: "done" as never })).toThrow(/on is "done"/);
    expect(() => manual({ key: "k" as never })).toThrow(/key must be a secret reference/);
    expect(() => flow({ id: "x", triggers: [{ type: "schedule" } as never] })).toThrow(/triggers must be a list of schedule\(\), webhook\(\), after\(\) or manual\(\)/);
  });

  it("accept six-field crons with seconds and cron nicknames", () => {
    expect(schedule({ cron: "*/30 * * * * *", catchUp: "all", overlap: "queue" })).toMatchObject({ cron: "*/30 * * * * *", overlap: "queue" });
    expect(schedule({ cron: "@hourly", catchUp: "none" }).cron).toBe("@hourly");
  });
});
