/**
 * OpenAPI v3 documents, one per group-version, as served at `/openapi/v3/apis/<group>/<version>`.
 * kubectl (cli-runtime query_param_verifier_v3) looks for a `patch` operation carrying
 * `x-kubernetes-group-version-kind` of the object and a `fieldValidation` query parameter; when found
 * it sends `fieldValidation=Strict` and skips client-side validation (research §2.3).
 */

import { createHash } from "node:crypto";
import { apiVersionOf, parseApiVersion, type GroupVersionKind } from "../gvk.js";
import type { JsonObject } from "../json.js";
import { modelSchema } from "./from-models.js";
import { BUILTIN_KINDS, META_PREFIX } from "./kinds.js";
import { REF, SchemaRenderer } from "./openapi-schema.js";
import { defaultRegistry, type SchemaRegistry } from "./registry.js";

export interface OpenAPIResource {
  /** Plural resource name, e.g. "deployments". */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Subresources to document: "status", "scale" (others are not typed documents). */
  subresources?: string[];
}

/** The resources of a group-version known to the library (built-ins plus registered custom kinds). */
export function knownResources(groupVersion: string, registry: SchemaRegistry = defaultRegistry): OpenAPIResource[] {
  const { group, version } = parseApiVersion(groupVersion);
  const out: OpenAPIResource[] = [];
  for (const b of BUILTIN_KINDS) {
    if (b.group !== group || b.version !== version || !b.resource) continue;
    const subresources = [...(b.statusSubresource ? ["status"] : []), ...(b.subresources ?? []).filter((s) => s === "scale")];
    out.push({ resource: b.resource, kind: b.kind, namespaced: b.namespaced, subresources });
  }
  for (const c of registry.customKinds()) {
    if (c.gvk.group !== group || c.gvk.version !== version) continue;
    const subresources = [...(c.statusSubresource ? ["status"] : []), ...(c.scaleSubresource ? ["scale"] : [])];
    out.push({ resource: c.resource ?? `${c.gvk.kind.toLowerCase()}s`, kind: c.gvk.kind, namespaced: c.namespaced ?? true, subresources });
  }
  return out;
}

/** `stable.example.com` → `com.example.stable`: the name prefix the apiserver gives CRD schemas. */
function customPrefix(gvk: GroupVersionKind): string {
  return `${gvk.group.split(".").reverse().join(".")}.${gvk.version}`;
}

/** `apps` → `AppsV1`, `networking.k8s.io` → `NetworkingV1`, `stable.example.com` → `StableExampleComV1`. */
function opGroup(group: string, version: string): string {
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const parts = group === "" ? ["core"] : group.replace(/\.k8s\.io$/, "").split(/[.-]/);
  return parts.map(cap).join("") + cap(version);
}

const query = (name: string, description: string, type: "string" | "boolean" | "integer" = "string"): JsonObject => ({
  name,
  in: "query",
  description,
  schema: { type, uniqueItems: true },
});

const P = {
  dryRun: query("dryRun", "When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed"),
  fieldManager: query("fieldManager", "fieldManager is a name associated with the actor or entity that is making these changes."),
  fieldValidation: query(
    "fieldValidation",
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict",
  ),
  force: query("force", "Force is going to \"force\" Apply requests. It means user will re-acquire conflicting fields owned by other people.", "boolean"),
  pretty: query("pretty", "If 'true', then the output is pretty printed."),
  gracePeriodSeconds: query("gracePeriodSeconds", "The duration in seconds before the object should be deleted.", "integer"),
  propagationPolicy: query("propagationPolicy", "Whether and how garbage collection will be performed."),
  orphanDependents: query("orphanDependents", "Deprecated: please use the PropagationPolicy.", "boolean"),
  list: [
    query("allowWatchBookmarks", "allowWatchBookmarks requests watch events with type \"BOOKMARK\".", "boolean"),
    query("continue", "The continue option should be set when retrieving more results from the server."),
    query("fieldSelector", "A selector to restrict the list of returned objects by their fields."),
    query("labelSelector", "A selector to restrict the list of returned objects by their labels."),
    query("limit", "limit is a maximum number of responses to return for a list call.", "integer"),
    query("resourceVersion", "resourceVersion sets a constraint on what resource versions a request may be served from."),
    query("resourceVersionMatch", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
    query("sendInitialEvents", "`sendInitialEvents=true` may be set together with `watch=true`.", "boolean"),
    query("timeoutSeconds", "Timeout for the list/watch call.", "integer"),
    query("watch", "Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.", "boolean"),
  ],
};

const pathParam = (name: string, description: string): JsonObject => ({ name, in: "path", required: true, description, schema: { type: "string", uniqueItems: true } });

function content(ref: JsonObject, types = ["application/json", "application/yaml"]): JsonObject {
  return Object.fromEntries(types.map((t) => [t, { schema: ref }]));
}

function responses(ok: JsonObject, created?: JsonObject): JsonObject {
  const out: JsonObject = { "200": { description: "OK", content: content(ok) } };
  if (created) {
    out["201"] = { description: "Created", content: content(created) };
  }
  out["401"] = { description: "Unauthorized" };
  return out;
}

export interface OpenAPIDocumentOptions {
  registry?: SchemaRegistry;
  /** `info.version`, the server's gitVersion. */
  serverVersion?: string;
}

/** A complete OpenAPI 3.0 document for one group-version (`v1`, `apps/v1`, `stable.example.com/v1`). */
export function openapiV3Document(groupVersion: string, resources?: OpenAPIResource[], options: OpenAPIDocumentOptions = {}): JsonObject {
  const registry = options.registry ?? defaultRegistry;
  const { group, version } = parseApiVersion(groupVersion);
  const root = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const renderer = new SchemaRenderer();
  const meta = (model: string): JsonObject => {
    const s = modelSchema(model, "", "v1");
    return s ? renderer.component(s) : {};
  };
  const statusRef = meta("V1Status");
  const deleteOptionsRef = meta("V1DeleteOptions");
  renderer.components[`${META_PREFIX}.Patch`] = { description: "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.", type: "object" };
  const patchRef = { $ref: `${REF}${META_PREFIX}.Patch` };
  const paths: JsonObject = {};
  const tag = `${group === "" ? "core" : group.replace(/\.k8s\.io$/, "").replace(/\./g, "_")}_${version}`;

  for (const res of resources ?? knownResources(groupVersion, registry)) {
    const gvk = { group, version, kind: res.kind };
    const schema = registry.schemaFor(gvk);
    if (!schema) continue;
    const builtin = registry.isBuiltin(gvk);
    const gvkExt = { group, kind: res.kind, version };
    const name = schema.name ?? `${customPrefix(gvk)}.${res.kind}`;
    const itemRef = renderer.component(schema, name, { "x-kubernetes-group-version-kind": [gvkExt] });
    const listSchema = registry.schemaFor({ ...gvk, kind: `${res.kind}List` });
    const listRef = listSchema
      ? renderer.component(listSchema, listSchema.name, { "x-kubernetes-group-version-kind": [{ group, kind: `${res.kind}List`, version }] })
      : renderer.component(
          {
            type: "object",
            description: `${res.kind}List is a list of ${res.kind}`,
            required: ["items"],
            properties: {
              apiVersion: { type: "scalar", scalar: "string" },
              items: { type: "list", items: schema, listType: "atomic" },
              kind: { type: "scalar", scalar: "string" },
              metadata: modelSchema("V1ListMeta", "", "v1") ?? { type: "any" },
            },
          },
          `${name}List`,
          { "x-kubernetes-group-version-kind": [{ group, kind: `${res.kind}List`, version }] },
        );
    const G = opGroup(group, version);
    const scope = res.namespaced ? "Namespaced" : "";
    const base = res.namespaced ? `${root}/namespaces/{namespace}/${res.resource}` : `${root}/${res.resource}`;
    const pathParams = (withName: boolean): JsonObject[] => [
      ...(withName ? [pathParam("name", `name of the ${res.kind}`)] : []),
      ...(res.namespaced ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")] : []),
      P.pretty,
    ];
    const op = (action: string, id: string, description: string, extra: JsonObject): JsonObject => ({
      tags: [tag],
      description,
      operationId: id,
      ...extra,
      "x-kubernetes-action": action,
      "x-kubernetes-group-version-kind": gvkExt,
    });
    const patchTypes = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", ...(builtin ? ["application/strategic-merge-patch+json"] : [])];
    const itemOps = (suffix: string, ref: JsonObject, opGvk: JsonObject, what: string): JsonObject => ({
      get: { ...op("get", `read${G}${scope}${res.kind}${suffix}`, `read ${what} of the specified ${res.kind}`, { responses: responses(ref) }), "x-kubernetes-group-version-kind": opGvk },
      put: {
        ...op("put", `replace${G}${scope}${res.kind}${suffix}`, `replace ${what} of the specified ${res.kind}`, {
          parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
          requestBody: { content: { "*/*": { schema: ref } }, required: true },
          responses: responses(ref, ref),
        }),
        "x-kubernetes-group-version-kind": opGvk,
      },
      patch: {
        ...op("patch", `patch${G}${scope}${res.kind}${suffix}`, `partially update ${what} of the specified ${res.kind}`, {
          parameters: [P.dryRun, P.fieldManager, P.fieldValidation, P.force],
          requestBody: { content: content(patchRef, patchTypes), required: true },
          responses: responses(ref, ref),
        }),
        "x-kubernetes-group-version-kind": opGvk,
      },
      parameters: pathParams(true),
    });

    paths[base] = {
      get: op("list", `list${G}${scope}${res.kind}`, `list or watch objects of kind ${res.kind}`, { parameters: P.list, responses: responses(listRef) }),
      post: op("post", `create${G}${scope}${res.kind}`, `create a ${res.kind}`, {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
        requestBody: { content: { "*/*": { schema: itemRef } }, required: true },
        responses: { ...responses(itemRef, itemRef), "202": { description: "Accepted", content: content(itemRef) } },
      }),
      delete: op("deletecollection", `delete${G}Collection${scope}${res.kind}`, `delete collection of ${res.kind}`, {
        parameters: [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy, ...P.list],
        requestBody: { content: { "*/*": { schema: deleteOptionsRef } } },
        responses: responses(statusRef),
      }),
      parameters: pathParams(false),
    };
    const item = itemOps("", itemRef, gvkExt, "");
    paths[`${base}/{name}`] = {
      ...item,
      get: op("get", `read${G}${scope}${res.kind}`, `read the specified ${res.kind}`, { responses: responses(itemRef) }),
      delete: op("delete", `delete${G}${scope}${res.kind}`, `delete a ${res.kind}`, {
        parameters: [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy],
        requestBody: { content: { "*/*": { schema: deleteOptionsRef } } },
        responses: { ...responses(statusRef), "202": { description: "Accepted", content: content(statusRef) } },
      }),
    };
    if (res.namespaced) {
      paths[`${root}/${res.resource}`] = {
        get: op("list", `list${G}${res.kind}ForAllNamespaces`, `list or watch objects of kind ${res.kind}`, { responses: responses(listRef) }),
        parameters: [...P.list, P.pretty],
      };
    }
    for (const sub of res.subresources ?? []) {
      if (sub === "status") {
        paths[`${base}/{name}/status`] = itemOps("Status", itemRef, gvkExt, "status");
      } else if (sub === "scale") {
        const scale = modelSchema("V1Scale", "autoscaling", "v1");
        if (!scale) continue;
        const scaleRef = renderer.component(scale, scale.name, { "x-kubernetes-group-version-kind": [{ group: "autoscaling", kind: "Scale", version: "v1" }] });
        paths[`${base}/{name}/scale`] = itemOps("Scale", scaleRef, { group: "autoscaling", kind: "Scale", version: "v1" }, "scale");
      }
    }
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: options.serverVersion ?? "v1.32.0" },
    paths,
    components: { schemas: renderer.components },
  };
}

/** The `hash` the apiserver puts in `serverRelativeURL` (uppercase hex SHA-512 of the document). */
export function openapiV3Hash(document: JsonObject): string {
  return createHash("sha512").update(JSON.stringify(document)).digest("hex").toUpperCase();
}

/** The `/openapi/v3` discovery document for the given group-versions and their documents. */
export function openapiV3Root(documents: Record<string, JsonObject>): JsonObject {
  const paths: JsonObject = {};
  for (const [groupVersion, doc] of Object.entries(documents)) {
    const { group, version } = parseApiVersion(groupVersion);
    const key = group === "" ? `api/${version}` : `apis/${apiVersionOf({ group, version })}`;
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openapiV3Hash(doc)}` };
  }
  return { paths };
}
