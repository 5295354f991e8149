/** Mermaid and Graphviz DOT renderings of the graph JSON. forEach/if/parallel bodies become subgraphs. */
import type { GraphJSON, GraphNodeJSON } from "./json.js";

interface Emit {
  node(key: string, label: string, shape: "box" | "diamond" | "loop" | "fork"): void;
  edge(from: string, to: string, label?: string): void;
  open(key: string, label: string): void;
  close(): void;
}

/** Walks a node list; returns the keys of its entry and exit nodes so the caller can link scopes. */
function walk(nodes: GraphNodeJSON[], prefix: string, e: Emit): { entries: string[]; exits: string[] } {
  const key = (id: string) => `${prefix}${id}`.replace(/[^A-Za-z0-9_]/g, "_");
  const hasDependents = new Set<string>();
  for (const n of nodes) for (const d of n.needs) hasDependents.add(d);
  for (const n of nodes) {
    const k = key(n.id);
    const label = n.kind === "step" ? `${n.id}\n${n.task}` : `${n.id}\n${n.kind}${n.options?.concurrency !== undefined ? ` x${n.options.concurrency}` : ""}`;
    e.node(k, label, n.kind === "step" ? "box" : n.kind === "if" ? "diamond" : n.kind === "forEach" ? "loop" : "fork");
    const inner = (name: string, list: GraphNodeJSON[] | undefined, edgeLabel?: string) => {
      if (!list || list.length === 0) return;
      e.open(`${k}__${name}`, `${n.id} ${name}`);
      const r = walk(list, `${prefix}${n.id}.${name}.`, e);
      e.close();
      for (const entry of r.entries) e.edge(k, entry, edgeLabel);
    };
    if (n.kind === "forEach") {
      inner("each", n.body, "each");
      inner("errors", n.errors, "on item error");
    }
    if (n.kind === "if") {
      inner("then", n.then, "then");
      inner("else", n.else, "else");
    }
    if (n.kind === "parallel") for (const [b, list] of Object.entries(n.branches ?? {})) inner(b, list, b);
    for (const d of n.needs) e.edge(key(d), k);
  }
  return {
    entries: nodes.filter((n) => n.needs.length === 0).map((n) => key(n.id)),
    exits: nodes.filter((n) => !hasDependents.has(n.id)).map((n) => key(n.id)),
  };
}

function renderAll(g: GraphJSON, e: Emit): void {
  const main = walk(g.nodes, "", e);
  for (const [name, list] of [["errors", g.errors], ["finally", g.finally]] as const) {
    if (!list?.length) continue;
    e.open(`__${name}`, name);
    const r = walk(list, `${name}.`, e);
    e.close();
    for (const exit of main.exits) for (const entry of r.entries) e.edge(exit, entry, name === "errors" ? "on failure" : "always");
  }
}

export function toMermaid(g: GraphJSON): string {
  const lines = ["flowchart TD"];
  let depth = 1;
  const pad = () => "  ".repeat(depth);
  const esc = (s: string) => s.replace(/"/g, "#quot;").replace(/\n/g, "<br/>");
  renderAll(g, {
    node(k, label, shape) {
      const l = `"${esc(label)}"`;
      lines.push(pad() + (shape === "diamond" ? `${k}{${l}}` : shape === "loop" ? `${k}[[${l}]]` : shape === "fork" ? `${k}[/${l}/]` : `${k}[${l}]`));
    },
    edge(from, to, label) {
      lines.push(pad() + (label ? `${from} -->|${esc(label)}| ${to}` : `${from} --> ${to}`));
    },
    open(k, label) {
      lines.push(`${pad()}subgraph ${k}["${esc(label)}"]`);
      depth++;
    },
    close() {
      depth--;
      lines.push(`${pad()}end`);
    },
  });
  return lines.join("\n") + "\n";
}

export function toDot(g: GraphJSON): string {
  const lines = [`digraph "${g.id.replace(/"/g, '\\"')}" {`, "  rankdir=TB;", '  node [fontname="Helvetica"];'];
  let depth = 1;
  const pad = () => "  ".repeat(depth);
  const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
  renderAll(g, {
    node(k, label, shape) {
      const s = shape === "diamond" ? "diamond" : shape === "loop" ? "box3d" : shape === "fork" ? "parallelogram" : "box";
      lines.push(`${pad()}${k} [label=${q(label)}, shape=${s}];`);
    },
    edge(from, to, label) {
      lines.push(`${pad()}${from} -> ${to}${label ? ` [label=${q(label)}]` : ""};`);
    },
    open(k, label) {
      lines.push(`${pad()}subgraph cluster_${k} {`);
      depth++;
      lines.push(`${pad()}label=${q(label)};`);
    },
    close() {
      depth--;
      lines.push(`${pad()}}`);
    },
  });
  lines.push("}");
  return lines.join("\n") + "\n";
}
