/** Triggers as plain JSON for `graph()`: secrets appear by name only (`secret(NAME)`). */
import type { Trigger } from "./types.js";

export type TriggerJSON =
  | { type: "schedule"; cron: string; timezone?: string; catchUp: string; overlap: string; inputs?: unknown }
  | { type: "webhook"; path: string; key: string; wait: boolean; maxBodyBytes: number }
  | { type: "after"; flow: string; on: string; mapsInputs: boolean }
  | { type: "manual"; key?: string };

export function triggerJSON(t: Trigger): TriggerJSON {
  switch (t.type) {
    case "schedule":
      return {
        type: "schedule",
        cron: t.cron,
        ...(t.timezone ? { timezone: t.timezone } : {}),
        catchUp: t.catchUp,
        overlap: t.overlap,
        ...(t.inputs !== undefined ? { inputs: typeof t.inputs === "function" ? "(computed per run)" : t.inputs } : {}),
      };
    case "webhook":
      return { type: "webhook", path: t.path, key: String(t.key), wait: t.wait, maxBodyBytes: t.maxBodyBytes };
    case "after":
      return { type: "after", flow: t.flowId, on: t.on, mapsInputs: t.inputs !== undefined };
    case "manual":
      return { type: "manual", ...(t.key ? { key: String(t.key) } : {}) };
  }
}
