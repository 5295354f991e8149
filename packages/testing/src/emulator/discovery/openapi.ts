/**
 * `/openapi/v3` and its per-group-version documents, rendered by the semantics library from the
 * served resources (custom resources included) and cached until the set of resources changes.
 */

import { openapiV3Document, openapiV3Root, type OpenAPIResource, type SchemaRegistry } from "../semantics/index.js";
import { apiVersionOf, type ResourceRegistry } from "./resources.js";

export class OpenApiDocs {
  readonly #registry: ResourceRegistry;
  readonly #schemas: SchemaRegistry;
  readonly #serverVersion: string;
  #cacheGeneration = -1;
  #docs = new Map<string, Record<string, unknown>>();
  #root: Record<string, unknown> | undefined;

  constructor(registry: ResourceRegistry, schemas: SchemaRegistry, serverVersion: string) {
    this.#registry = registry;
    this.#schemas = schemas;
    this.#serverVersion = serverVersion;
  }

  #refresh(): void {
    if (this.#cacheGeneration === this.#registry.generation) return;
    this.#cacheGeneration = this.#registry.generation;
    this.#docs = new Map();
    this.#root = undefined;
  }

  #document(groupVersion: string): Record<string, unknown> {
    let doc = this.#docs.get(groupVersion);
    if (!doc) {
      const slash = groupVersion.indexOf("/");
      const group = slash < 0 ? "" : groupVersion.slice(0, slash);
      const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
      const resources: OpenAPIResource[] = this.#registry.inGroupVersion(group, version).map((r) => ({
        resource: r.resource,
        kind: r.kind,
        namespaced: r.namespaced,
        subresources: r.subresources.map((s) => s.name).filter((s) => s === "status" || s === "scale"),
      }));
      doc = openapiV3Document(groupVersion, resources, { registry: this.#schemas, serverVersion: this.#serverVersion });
      this.#docs.set(groupVersion, doc);
    }
    return doc;
  }

  /** The `/openapi/v3` root: one `serverRelativeURL` (with content hash) per group-version. */
  root(): Record<string, unknown> {
    this.#refresh();
    if (!this.#root) {
      const docs: Record<string, Record<string, unknown>> = {};
      for (const gv of this.#registry.groupVersions()) docs[apiVersionOf(gv)] = this.#document(apiVersionOf(gv));
      this.#root = openapiV3Root(docs);
    }
    return this.#root;
  }

  /** The document at `/openapi/v3/api/v1` or `/openapi/v3/apis/<group>/<version>`. */
  document(path: string): Record<string, unknown> | undefined {
    this.#refresh();
    const m = /^\/openapi\/v3\/(?:api\/(v[^/]+)|apis\/([^/]+)\/([^/]+))$/.exec(path);
    if (!m) return undefined;
    const groupVersion = m[1] ?? `${m[2]}/${m[3]}`;
    const slash = groupVersion.indexOf("/");
    const group = slash < 0 ? "" : groupVersion.slice(0, slash);
    const version = slash < 0 ? groupVersion : groupVersion.slice(slash + 1);
    if (this.#registry.inGroupVersion(group, version).length === 0) return undefined;
    return this.#document(groupVersion);
  }
}
