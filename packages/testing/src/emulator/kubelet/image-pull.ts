/** Image pulls with Pulling/Pulled events, and ErrImagePull → ImagePullBackOff with back-off on failure. */

import type { RuntimeTiming } from "./types.js";
import type { ContainerRecord } from "./pod-status.js";

export type PullResult = { ok: true; alreadyPresent: boolean } | { ok: false; message: string };

export interface PullDeps {
  /** Checks presence ("IfNotPresent") or pulls ("Always") on the node. */
  pull(image: string, policy: string): PullResult;
  timing: RuntimeTiming;
  terminating(): boolean;
  /** Real-time wait; false when the pod started terminating meanwhile. */
  sleep(ms: number): Promise<boolean>;
  event(type: "Normal" | "Warning", reason: string, message: string): void;
  flush(): void;
}

/** Pulls the container's image (policy from the spec or defaulted from the tag); false when interrupted. */
export async function pullImage(c: ContainerRecord, d: PullDeps): Promise<boolean> {
  const image = c.spec.image ?? "";
  const t = d.timing;
  const policy = c.spec.imagePullPolicy ?? (/:[^/]+$/.test(image) && !image.endsWith(":latest") ? "IfNotPresent" : "Always");
  for (let attempt = 0; ; attempt++) {
    if (d.terminating()) return false;
    const present = d.pull(image, "IfNotPresent");
    if (policy !== "Always" && present.ok && present.alreadyPresent) {
      d.event("Normal", "Pulled", `Container image "${image}" already present on machine`);
      return true;
    }
    d.event("Normal", "Pulling", `Pulling image "${image}"`);
    const started = Date.now();
    if (!(await d.sleep(t.imagePull))) return false;
    const result = d.pull(image, "Always");
    if (result.ok) {
      const ms = Date.now() - started;
      d.event("Normal", "Pulled", `Successfully pulled image "${image}" in ${ms}ms (${ms}ms including waiting). Image size: 0 bytes.`);
      return true;
    }
    c.state = { waiting: { reason: "ErrImagePull", message: result.message } };
    d.event("Warning", "Failed", `Failed to pull image "${image}": ${result.message}`);
    d.event("Warning", "Failed", "Error: ErrImagePull");
    d.flush();
    const wait = Math.min(t.restartBackoff * 2 ** attempt, t.restartBackoff * 30);
    if (!(await d.sleep(Math.max(1, Math.floor(wait / 2))))) return false;
    c.state = { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } };
    d.event("Normal", "BackOff", `Back-off pulling image "${image}"`);
    d.event("Warning", "Failed", "Error: ImagePullBackOff");
    d.flush();
    if (!(await d.sleep(Math.max(1, Math.ceil(wait / 2))))) return false;
  }
}
