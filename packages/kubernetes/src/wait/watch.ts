/**
 * Follows one object until a condition holds: read it, then watch it from that resourceVersion;
 * reconnect from the last seen resourceVersion when the stream ends, re-read on 410 Gone, and fall
 * back to re-reading on a fixed cadence while the watch is down. Ends on the condition, on a
 * failure the condition reports, on timeout, or when the signal aborts.
 */
import { clientNode } from "../client/client-node.js";
import { CapstanError } from "@capstan/core";
import type { KubeClient } from "../client/client.js";
import { objectPath, type ResourceInfo } from "../client/discovery.js";
import { KubernetesError } from "../errors.js";
import type { KubeObject } from "../objects.js";

export interface Verdict {
  /** The condition holds: stop waiting. */
  done: boolean;
  /** Progress to report, e.g. "2/3 replicas available". */
  message?: string;
  /** Waiting cannot succeed (a failed Job, a stuck rollout): stop with this error. */
  fail?: Error;
}

export interface WaitOptions {
  signal?: AbortSignal;
  timeoutMs: number;
  onProgress?: (message: string) => void;
  /** How often to re-read while the watch is down. Default 1s. */
  pollMs?: number;
}

export async function waitForObject(
  client: KubeClient,
  res: ResourceInfo,
  namespace: string | undefined,
  name: string,
  check: (obj: KubeObject | undefined) => Verdict | Promise<Verdict>,
  options: WaitOptions,
): Promise<KubeObject | undefined> {
  const path = objectPath(res, namespace, name);
  const collection = objectPath(res, namespace);
  const what = `${res.kind} ${namespace ? `${namespace}/` : ""}${name} on ${client.label}`;
  const ac = new AbortController();
  const onAbort = () => ac.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onAbort, { once: true });
  let lastMessage: string | undefined;
  let current: KubeObject | undefined;
  const timeout = setTimeout(() => ac.abort(new CapstanError("CAPSTAN_K8S_WAIT_TIMEOUT", `${what} was not ready after ${Math.round(options.timeoutMs / 1000)}s${lastMessage ? `: ${lastMessage}` : ""}`, { hint: "raise the wait timeout, or look at the object's events (kubectl describe)", retryable: true })), options.timeoutMs);
  const read = async () => {
    try {
      return await client.json<KubeObject>("GET", path, { signal: ac.signal });
    } catch (e) {
      if (e instanceof KubernetesError && e.httpStatus === 404) return undefined;
      throw e;
    }
  };
  try {
    return await new Promise<KubeObject | undefined>((resolve, reject) => {
      let settled = false;
      const evaluate = async (obj: KubeObject | undefined) => {
        current = obj;
        const v = await check(obj);
        if (v.message && v.message !== lastMessage) {
          lastMessage = v.message;
          options.onProgress?.(v.message);
        }
        if (settled) return;
        if (v.fail) {
          settled = true;
          reject(v.fail);
        } else if (v.done) {
          settled = true;
          resolve(obj);
        }
      };
      ac.signal.addEventListener("abort", () => {
        clearInterval(recheck);
        if (!settled) {
          settled = true;
          reject(ac.signal.reason);
        }
      });
      // The object may stop changing while the condition still depends on other things (a
      // Deployment whose pods crash-loop keeps the same status): re-check on a cadence too.
      let checking = false;
      const recheck = setInterval(() => {
        if (settled || checking || current === undefined) return;
        checking = true;
        evaluate(current).then(
          () => (checking = false),
          (e: unknown) => {
            checking = false;
            if (!settled) {
              settled = true;
              reject(e);
            }
          },
        );
      }, options.pollMs ?? 1000);
      const loop = async () => {
        let rv: string | undefined;
        while (!settled) {
          if (rv === undefined) {
            const obj = await read();
            rv = obj?.metadata?.resourceVersion ?? "";
            await evaluate(obj);
            if (settled) return;
          }
          const outcome = await watchOnce(client, collection, name, rv, ac.signal, async (type, obj) => {
            if (obj?.metadata?.resourceVersion) rv = obj.metadata.resourceVersion;
            if (type === "BOOKMARK") return;
            await evaluate(type === "DELETED" ? undefined : obj);
          });
          if (outcome === "gone") rv = undefined;
          else if (outcome === "error") await delay(options.pollMs ?? 1000, ac.signal).then(() => (rv = undefined), () => {});
        }
      };
      loop().catch((e: unknown) => {
        if (!settled) {
          settled = true;
          reject(e);
        }
      });
    });
  } finally {
    clearTimeout(timeout);
    options.signal?.removeEventListener("abort", onAbort);
    ac.abort();
    void current;
  }
}

type WatchOutcome = "ended" | "gone" | "error";

function watchOnce(client: KubeClient, collection: string, name: string, rv: string, signal: AbortSignal, onEvent: (type: string, obj: KubeObject) => Promise<void>): Promise<WatchOutcome> {
  return new Promise<WatchOutcome>((resolve) => {
    let chain = Promise.resolve();
    let req: AbortController | undefined;
    const stop = () => req?.abort();
    signal.addEventListener("abort", stop, { once: true });
    const finish = (o: WatchOutcome) => {
      signal.removeEventListener("abort", stop);
      void chain.then(() => resolve(o));
    };
    new (clientNode().Watch)(client.kc)
      .watch(
        collection,
        { fieldSelector: `metadata.name=${name}`, resourceVersion: rv || undefined, allowWatchBookmarks: true },
        (type: string, obj: KubeObject & { code?: number }) => {
          if (type === "ERROR") {
            if (obj?.code === 410) stop();
            return;
          }
          // Events are handled in order, one at a time.
          chain = chain.then(() => onEvent(type, obj)).catch(() => {});
        },
        (err: unknown) => {
          const code = (err as { statusCode?: number } | null)?.statusCode;
          finish(code === 410 ? "gone" : err && !signal.aborted ? "error" : "ended");
        },
      )
      .then(
        (controller) => {
          req = controller;
          if (signal.aborted) controller.abort();
        },
        () => finish("error"),
      );
  });
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), reject(signal.reason)), { once: true });
  });
}
