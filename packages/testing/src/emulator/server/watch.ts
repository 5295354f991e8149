/**
 * Watch streams (research §1.5, §3.11): headers flushed at once, one JSON event per line, initial
 * ADDED events for resourceVersion unset/"0", resumption from history for a given resourceVersion
 * (an `ERROR` event with a 410 Expired Status when it is too old), BOOKMARKs when allowed,
 * `sendInitialEvents`, `timeoutSeconds`, and Table events for `kubectl get -w`.
 */

import { apiVersionOf } from "../discovery/resources.js";
import { StatusError } from "../store/errors.js";
import { parseFieldSelector, parseLabelSelector } from "../store/selectors.js";
import type { KubeObject } from "../store/types.js";
import type { WatchFilter, WatchType } from "../store/watch-hub.js";
import type { Call } from "./context.js";
import { tableVersion, wantsTable } from "./http.js";
import { buildTable } from "./table.js";

export function handleWatch(call: Call): void {
  const { ctx, resource, info, query, res } = call;
  const filter: WatchFilter = {
    namespace: resource.namespaced ? info.namespace : undefined,
    label: parseLabelSelector(query.get("labelSelector") ?? undefined),
    field: parseFieldSelector(resource.resource, query.get("fieldSelector") ?? undefined)?.match,
  };
  const rvText = query.get("resourceVersion") ?? "";
  const bookmarks = query.get("allowWatchBookmarks") === "true";
  const sendInitial = query.get("sendInitialEvents") === "true";
  const table = wantsTable(call.req.headers.accept);
  let tableColumnsSent = false;
  let fromRv: number | undefined;
  if (rvText !== "" && rvText !== "0") {
    fromRv = Number(rvText);
    if (!Number.isInteger(fromRv) || fromRv < 0) throw new StatusError(400, "BadRequest", `invalid resource version: ${rvText}`);
  }

  res.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  // Without this, a watch with no events never sends its headers and kubectl wait hangs (research §0.3).
  res.flushHeaders();

  let sent = 0;
  let closed = false;
  const cut = call.streamFault;
  const cleanups: (() => void)[] = [];
  const finish = (how: "end" | "reset" = "end") => {
    if (closed) return;
    closed = true;
    for (const c of cleanups) c();
    if (how === "reset") res.socket?.destroy();
    else res.end();
  };
  const write = (line: unknown) => {
    if (closed) return;
    res.write(`${JSON.stringify(line)}\n`);
  };
  const emit = (type: WatchType, object: KubeObject) => {
    if (closed) return;
    if (table) {
      const t = buildTable(resource, [object], { include: "Object", version: tableVersion(call.req.headers.accept), listMeta: { resourceVersion: object.metadata.resourceVersion }, withColumns: !tableColumnsSent });
      tableColumnsSent = true;
      write({ type, object: t });
    } else {
      write({ type, object });
    }
    sent++;
    if (cut && sent >= cut.after) finish(cut.mode === "reset" ? "reset" : "end");
  };
  const bookmark = (annotations?: Record<string, string>) => {
    const metadata: Record<string, unknown> = { resourceVersion: String(ctx.store.currentRv()) };
    if (annotations) metadata["annotations"] = annotations;
    write({ type: "BOOKMARK", object: { kind: resource.kind, apiVersion: apiVersionOf(resource), metadata } });
  };

  let started: ReturnType<typeof ctx.store.watch>;
  try {
    started = ctx.store.watch(resource, filter, fromRv, emit);
  } catch (err) {
    if (err instanceof StatusError && err.code === 410) {
      write({ type: "ERROR", object: err.toStatus() });
      finish();
      return;
    }
    throw err;
  }
  cleanups.push(started.stop);
  call.signal.addEventListener("abort", () => finish(), { once: true });

  if (fromRv === undefined || sendInitial) {
    // "Most recent"/"any": the current state as synthetic ADDED events, then changes.
    const snapshot = ctx.store.scan(resource, filter.namespace, { labelSelector: query.get("labelSelector") ?? undefined, fieldSelector: query.get("fieldSelector") ?? undefined });
    for (const obj of snapshot.items) emit("ADDED", obj);
    if (sendInitial && bookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  } else {
    for (const e of started.backlog) emit(e.type, e.object);
  }

  if (bookmarks && ctx.timing.bookmarkIntervalMs > 0) {
    const timer = setInterval(() => bookmark(), ctx.timing.bookmarkIntervalMs);
    cleanups.push(() => clearInterval(timer));
  }
  const timeout = Number(query.get("timeoutSeconds") ?? "");
  if (Number.isFinite(timeout) && timeout > 0) {
    const timer = setTimeout(() => finish(), timeout * 1000);
    cleanups.push(() => clearTimeout(timer));
  }
  res.on("close", () => finish());
}
