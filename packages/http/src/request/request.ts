/**
 * `http.request`: one HTTP call with a method, URL, headers, a JSON or text body, the statuses it
 * expects, a per-attempt timeout and retries (network errors, 408/429/5xx, honouring
 * `Retry-After`). A JSON response can be validated by a zod schema, which also types `body`.
 *
 * @example
 * const Tenants = z.array(z.object({ name: z.string(), cluster: z.string() }));
 * flow({ id: "tenants", inputs: z.object({ api: z.string() }) })
 *   .step("inventory", http.request(({ inputs }) => ({ url: `${inputs.api}/tenants`, bearer: secret("INVENTORY_TOKEN"), schema: Tenants, retries: 3 })))
 *   .step("names", ({ steps }) => steps.inventory.body.map((t) => t.name)); // typed by the schema
 */
import { z } from "zod";
import { CapstanError, DEFAULT_RETRY_ON, defineTask, describeRequest, fetchWithRetry, requestError, toMs } from "@capstan/core";
import type { Lazy, Task, WithSecrets } from "@capstan/core";

const duration = z.union([z.number().nonnegative(), z.string()]);
const isSchema = (v: unknown): v is z.ZodType => typeof v === "object" && v !== null && typeof (v as { safeParseAsync?: unknown }).safeParseAsync === "function";

export const RequestInput = z.object({
  method: z.string().regex(/^[A-Za-z]+$/, "expected an HTTP method such as GET or POST").default("GET").transform((m) => m.toUpperCase()),
  url: z.url({ protocol: /^https?$/ }),
  /** Added to the URL's query string. */
  query: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** Sends `Authorization: Bearer <token>`: pass a `secret(...)`. */
  bearer: z.string().optional(),
  /** Sends HTTP basic auth. */
  basic: z.object({ username: z.string(), password: z.string() }).optional(),
  /** A JSON body (sets `Content-Type: application/json` unless given). */
  json: z.unknown().optional(),
  /** A text body. */
  body: z.string().optional(),
  /** Statuses that count as success: one, a list, or "2xx" (default). Others fail the step. */
  expectStatus: z.union([z.number().int(), z.array(z.number().int()), z.literal("2xx"), z.literal("any")]).default("2xx"),
  /** Per attempt, including reading the body. Default 30s. */
  timeout: duration.default("30s"),
  /** Retries after the first attempt. Default 0. */
  retries: z.number().int().min(0).max(20).default(0),
  /** First backoff delay, doubled each retry. Default 500ms. */
  retryDelay: duration.default("500ms"),
  /** Cap on any wait, including a server's `Retry-After`. Default 30s. */
  maxRetryDelay: duration.default("30s"),
  /** Statuses retried. Default 408, 429, 500, 502, 503, 504. */
  retryOn: z.array(z.number().int()).default([...DEFAULT_RETRY_ON]),
  /** How to read the body: JSON when the server says so (default), always JSON, or text. */
  responseType: z.enum(["auto", "json", "text"]).default("auto"),
  /** Validates the JSON body (and types it). */
  schema: z.custom<z.ZodType>(isSchema, "expected a zod schema").optional(),
}).refine((v) => v.json === undefined || v.body === undefined, { message: "give either json or body, not both", path: ["body"] });

export interface HttpResponse<T = unknown> {
  status: number;
  statusText: string;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON (validated by the schema when given), or the text. */
  body: T;
  /** Attempts made, 1 without retries. */
  attempts: number;
  durationMs: number;
}

export const requestTask = defineTask({
  type: "http.request",
  description: "An HTTP request with retries, a timeout and an optional zod schema for the JSON response",
  input: RequestInput,
  run: async (input, ctx): Promise<HttpResponse> => {
    const url = new URL(input.url);
    for (const [k, v] of Object.entries(input.query ?? {})) url.searchParams.append(k, String(v));
    const headers = new Headers(input.headers);
    if (input.bearer !== undefined) headers.set("authorization", `Bearer ${input.bearer}`);
    if (input.basic) headers.set("authorization", `Basic ${Buffer.from(`${input.basic.username}:${input.basic.password}`).toString("base64")}`);
    let body: string | undefined;
    if (input.json !== undefined) {
      body = JSON.stringify(input.json);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
    } else if (input.body !== undefined) {
      body = input.body;
      if (!headers.has("content-type")) headers.set("content-type", "text/plain; charset=utf-8");
    }
    if (!headers.has("accept")) headers.set("accept", input.responseType === "text" ? "text/plain, */*" : "application/json, */*");
    const what = describeRequest(input.method, url);
    const timeoutMs = toMs(input.timeout, "timeout");
    const started = Date.now();
    const { response, attempts } = await fetchWithRetry(url, { method: input.method, headers, ...(body !== undefined ? { body } : {}) }, {
      retries: input.retries,
      retryDelayMs: toMs(input.retryDelay, "retryDelay"),
      maxRetryDelayMs: toMs(input.maxRetryDelay, "maxRetryDelay"),
      retryOn: input.retryOn,
      timeoutMs,
      signal: ctx.signal,
      onRetry: ({ attempt, delayMs, reason }) => ctx.log.warn(`${what} ${reason}; retry ${attempt}/${input.retries} in ${delayMs}ms`),
    });
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason ?? err;
      throw requestError(what, err, timeoutMs);
    }
    const durationMs = Date.now() - started;
    ctx.log.debug(`${what} → ${response.status} in ${durationMs}ms${attempts > 1 ? ` (${attempts} attempts)` : ""}`);
    if (!statusExpected(response.status, input.expectStatus)) {
      throw new CapstanError("CAPSTAN_HTTP_STATUS", `${what} answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""} (expected ${describeExpected(input.expectStatus)})${excerpt(text)}`, {
        hint: response.status === 401 || response.status === 403 ? "check the credentials (bearer/basic/headers) and their permissions" : response.status === 404 ? "check the URL" : "see the response body above",
        retryable: response.status >= 500 || response.status === 429 || response.status === 408,
        details: { status: response.status, attempts },
      });
    }
    const contentType = response.headers.get("content-type") ?? "";
    const wantJson = input.responseType === "json" || (input.responseType === "auto" && (/[/+]json\b/i.test(contentType) || input.schema !== undefined));
    let parsed: unknown = text;
    if (wantJson) {
      try {
        parsed = text === "" ? undefined : JSON.parse(text);
      } catch {
        throw new CapstanError("CAPSTAN_HTTP_INVALID_RESPONSE", `${what} answered ${response.status} with a body that is not JSON${excerpt(text)}`, {
          hint: 'use responseType: "text" to read it as text',
          retryable: false,
        });
      }
    }
    if (input.schema) {
      const checked = await input.schema.safeParseAsync(parsed);
      if (!checked.success) {
        const issues = checked.error.issues.map((i) => `  - ${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("\n");
        throw new CapstanError("CAPSTAN_HTTP_INVALID_RESPONSE", `${what} answered JSON that does not match the schema:\n${issues}`, {
          hint: "the server's response changed, or the schema is wrong",
          retryable: false,
        });
      }
      parsed = checked.data;
    }
    return { status: response.status, statusText: response.statusText, headers: Object.fromEntries(response.headers), body: parsed, attempts, durationMs };
  },
});

function statusExpected(status: number, expected: number | number[] | "2xx" | "any"): boolean {
  if (expected === "any") return true;
  if (expected === "2xx") return status >= 200 && status < 300;
  return Array.isArray(expected) ? expected.includes(status) : status === expected;
}

function describeExpected(expected: number | number[] | "2xx" | "any"): string {
  return Array.isArray(expected) ? expected.join(" or ") : String(expected);
}

function excerpt(text: string): string {
  const t = text.trim();
  if (!t) return "";
  return `: ${t.length > 300 ? `${t.slice(0, 300)}…` : t}`;
}

/** Parameters of `http.request`, as a flow writes them (any string may be a `secret(...)`). */
export type RequestParams = Omit<WithSecrets<z.input<typeof RequestInput>>, "schema">;

type BodyOf<S> = S extends z.ZodType ? z.output<S> : unknown;

/**
 * `http.request(params)`: a step. With `schema`, the output's `body` has the schema's type.
 */
export function request<S extends z.ZodType | undefined = undefined, C = any>(params: Lazy<RequestParams & { schema?: S }, C>): Task<"http.request", HttpResponse<BodyOf<S>>, C> {
  return requestTask(params as never) as never;
}
request.type = requestTask.type;
request.definition = requestTask.definition;
