/** Label selectors (metav1.LabelSelector objects and `labelSelector=` query strings) and field selectors. */

export interface LabelSelectorRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** An empty selector matches everything (as for Deployments); `undefined` matches nothing. */
export function matchesSelector(selector: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, l));
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case "In":
      return has && (req.values ?? []).includes(value ?? "");
    case "NotIn":
      return !has || !(req.values ?? []).includes(value ?? "");
    case "Exists":
      return has;
    case "DoesNotExist":
      return !has;
  }
}

/** Parses `a=b,c!=d,e in (x,y),!f,g` into requirements (operators "=" "==" "!=" "in" "notin" exists). */
export function parseLabelSelector(text: string): ((labels: Record<string, string>) => boolean) {
  const parts = splitTopLevel(text.trim());
  const tests = parts.filter((p) => p.trim() !== "").map((raw) => {
    const p = raw.trim();
    let m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      const key = m[1] ?? "";
      const values = (m[3] ?? "").split(",").map((v) => v.trim());
      return m[2] === "in"
        ? (l: Record<string, string>) => Object.hasOwn(l, key) && values.includes(l[key] ?? "")
        : (l: Record<string, string>) => !Object.hasOwn(l, key) || !values.includes(l[key] ?? "");
    }
    m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(p);
    if (m) {
      const key = m[1] ?? "";
      const value = (m[3] ?? "").trim();
      return m[2] === "!="
        ? (l: Record<string, string>) => l[key] !== value
        : (l: Record<string, string>) => l[key] === value;
    }
    if (p.startsWith("!")) {
      const key = p.slice(1).trim();
      return (l: Record<string, string>) => !Object.hasOwn(l, key);
    }
    return (l: Record<string, string>) => Object.hasOwn(l, p);
  });
  return (labels) => tests.every((t) => t(labels));
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** Converts a LabelSelector object to the query-string form (for status.selector of scale subresources). */
export function selectorToString(selector: LabelSelector | undefined): string {
  if (!selector) return "";
  const parts = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const req of selector.matchExpressions ?? []) {
    if (req.operator === "Exists") parts.push(req.key);
    else if (req.operator === "DoesNotExist") parts.push(`!${req.key}`);
    else parts.push(`${req.key} ${req.operator === "In" ? "in" : "notin"} (${(req.values ?? []).join(",")})`);
  }
  return parts.join(",");
}

/** Field selectors over a JSON object: `metadata.name=x,spec.nodeName!=y`. */
export function parseFieldSelector(text: string): (obj: Record<string, unknown>) => boolean {
  const tests = text.split(",").filter((p) => p.trim() !== "").map((p) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(p.trim());
    if (!m) return () => false;
    const path = (m[1] ?? "").trim().split(".");
    const value = (m[3] ?? "").trim();
    const neg = m[2] === "!=";
    return (obj: Record<string, unknown>) => {
      let cur: unknown = obj;
      for (const seg of path) cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[seg] : undefined;
      const actual = cur === undefined || cur === null ? "" : String(cur);
      return neg ? actual !== value : actual === value;
    };
  });
  return (obj) => tests.every((t) => t(obj));
}
