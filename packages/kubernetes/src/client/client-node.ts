/**
 * @kubernetes/client-node (and the YAML parser), loaded when the first task runs rather than when a
 * flow file imports @capstan/kubernetes: client-node's index is ~850 modules (16 MB of JavaScript,
 * over a second to load), which `tsx flow.ts --help`, `capstan graph` and `capstan validate` never
 * need. Tasks await `loadClientNode()` (connect() does) before anything else; code that runs after
 * that uses `clientNode()` / `yaml()` synchronously. Types are imported statically (`import type`),
 * which costs nothing.
 */
export type ClientNode = typeof import("@kubernetes/client-node");
export type Yaml = typeof import("yaml");

let loaded: { k8s: ClientNode; yaml: Yaml } | undefined;
let loading: Promise<unknown> | undefined;

export async function loadClientNode(): Promise<void> {
  if (loaded) return;
  await (loading ??= Promise.all([import("@kubernetes/client-node"), import("yaml")]).then(([k8s, yaml]) => (loaded = { k8s, yaml })));
}

const need = () => {
  if (!loaded) throw new Error("internal error: @kubernetes/client-node used before loadClientNode() (every task awaits it first)");
  return loaded;
};

/** The loaded client-node module; only valid after `loadClientNode()` resolved. */
export const clientNode = (): ClientNode => need().k8s;
/** The loaded YAML parser; only valid after `loadClientNode()` resolved. */
export const yaml = (): Yaml => need().yaml;
