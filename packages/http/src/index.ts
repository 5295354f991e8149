/**
 * @capstan/http: `http.request`, an HTTP call as a typed task, and the retrying fetch behind it.
 *
 * @example
 * import { flow, secret } from "@capstan/core";
 * import { http } from "@capstan/http";
 * import { z } from "zod";
 *
 * const Tenants = z.array(z.object({ name: z.string() }));
 * flow({ id: "inventory" })
 *   .step("tenants", http.request({ url: "https://inventory.example.com/tenants", bearer: secret("INVENTORY_TOKEN"), schema: Tenants, retries: 3, timeout: "10s" }))
 *   .step("count", ({ steps }) => steps.tenants.body.length);
 *
 * @module
 */
import { request } from "./request/request.js";

export const http = { request } as const;
export { request, requestTask, RequestInput } from "./request/request.js";
export type { HttpResponse, RequestParams } from "./request/request.js";
/** The retrying fetch behind `http.request` lives in core, shared with the other integrations. */
export { fetchWithRetry, parseRetryAfter, describeRequest, DEFAULT_RETRY_ON } from "@capstan/core";
export type { HttpRetryPolicy, FetchResult } from "@capstan/core";
