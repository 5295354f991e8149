/** examples/scheduled.ts under `serve()` with an injected clock: the cron fires without waiting a week. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ExecutionStore, staticSecrets } from "@capstan/core";
import { ManualClock, serve } from "@capstan/server";
import { announce, rotate } from "./scheduled.ts";

describe("examples/scheduled", () => {
  it("rotates on Monday 03:00 Berlin time and announces it", async () => {
    const store = new ExecutionStore({ dir: mkdtempSync(join(tmpdir(), "capstan-example-")), sync: "none" });
    const clock = new ManualClock("2025-03-05T12:00:00Z"); // a Wednesday
    const server = await serve({ flows: [{ flow: rotate }, { flow: announce }], store, clock, port: 0, secrets: [staticSecrets({ ROTATE_HOOK_KEY: "k" })] });
    try {
      expect(server.scheduler.next()[0]?.at?.toISOString()).toBe("2025-03-10T02:00:00.000Z"); // 03:00 CET
      await clock.advanceTo("2025-03-10T01:59:59Z");
      expect(await store.list()).toEqual([]);
      await clock.advanceTo("2025-03-10T02:00:00Z");
      await server.idle();
      const [rotated] = await store.list({ flowId: "rotate-credentials" });
      const [announced] = await store.list({ flowId: "announce-rotation" });
      expect(rotated).toMatchObject({ flowId: "rotate-credentials", state: "SUCCESS", trigger: { type: "schedule", scheduledAt: "2025-03-10T02:00:00.000Z" } });
      expect(announced).toMatchObject({ flowId: "announce-rotation", state: "SUCCESS", trigger: { type: "after", flowId: "rotate-credentials" } });
      const post = (await store.get(announced!.id)).steps.post?.output as { posted: string };
      expect(post.posted).toMatch(/^orders credential is now v\d{4}-\d\d-\d\d; restarted api, worker$/);
    } finally {
      await server.shutdown(1000);
    }
  });
});
