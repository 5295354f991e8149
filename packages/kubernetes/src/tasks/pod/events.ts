/**
 * The pod's Warning events (FailedScheduling, Failed pulls, BackOff...), logged when the step fails:
 * they often say more than the status (the registry's error behind an ImagePullBackOff).
 */
import type { Logger } from "@capstan/core";
import type { KubeClient } from "../../client/client.js";

interface Event {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { uid?: string };
  lastTimestamp?: string;
  eventTime?: string;
}

export async function logWarningEvents(client: KubeClient, namespace: string, pod: string, uid: string, log: Logger, signal: AbortSignal): Promise<void> {
  const list = await client.json<{ items?: Event[] }>("GET", `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`, {
    query: { fieldSelector: `involvedObject.name=${pod},involvedObject.uid=${uid}` },
    signal,
    retry: false,
  });
  const warnings = (list.items ?? [])
    .filter((e) => e.type === "Warning" && (!e.involvedObject?.uid || e.involvedObject.uid === uid))
    .sort((a, b) => ((a.lastTimestamp ?? a.eventTime ?? "") < (b.lastTimestamp ?? b.eventTime ?? "") ? -1 : 1));
  for (const e of warnings) log.warn(`pod ${pod} event ${e.reason ?? "Warning"}${(e.count ?? 1) > 1 ? ` (x${e.count})` : ""}: ${e.message ?? ""}`);
}
