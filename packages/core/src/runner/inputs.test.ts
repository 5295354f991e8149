import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeInputs, loadInputs } from "./inputs.js";

const schema = z.object({
  name: z.string(),
  replicas: z.number().int(),
  dryRun: z.boolean().default(false),
  tags: z.array(z.string()),
  ports: z.array(z.number()).optional(),
  env: z.enum(["dev", "prod"]),
  spec: z.object({ image: z.string(), limits: z.object({ cpu: z.number() }) }),
  version: z.string().describe("keeps 1.10 as text"),
});

describe("loadInputs", () => {
  it("types --input values by the schema", async () => {
    const v = await loadInputs(schema, ["name=web", "replicas=3", "dryRun=yes", "tags=a, b,c", "ports=[80,443]", "env=prod", "spec.image=nginx:1", "spec.limits.cpu=0.5", "version=1.10"], []);
    expect(v).toEqual({ name: "web", replicas: 3, dryRun: true, tags: ["a", "b", "c"], ports: [80, 443], env: "prod", spec: { image: "nginx:1", limits: { cpu: 0.5 } }, version: "1.10" });
    expect(schema.safeParse(v).success).toBe(true);
  });

  it("keeps unparseable values as text so zod names the bad field", async () => {
    const v = await loadInputs(schema, ["replicas=three"], []);
    expect(v.replicas).toBe("three");
  });

  it("reads JSON and YAML files, with --input taking precedence", async () => {
    const dir = await mkdtemp(join(tmpdir(), "capstan-inputs-"));
    await writeFile(join(dir, "a.yaml"), "name: from-yaml\nreplicas: 2\ntags: [x]\n");
    await writeFile(join(dir, "b.json"), JSON.stringify({ env: "dev" }));
    const v = await loadInputs(schema, ["replicas=5"], [join(dir, "a.yaml"), join(dir, "b.json")]);
    expect(v).toEqual({ name: "from-yaml", replicas: 5, tags: ["x"], env: "dev" });
  });

  it("explains bad flags and files", async () => {
    await expect(loadInputs(schema, ["novalue"], [])).rejects.toThrow(/--input novalue: expected key=value/);
    await expect(loadInputs(schema, [], ["/nonexistent/x.yaml"])).rejects.toThrow(/cannot read the file \(ENOENT\)/);
    const dir = await mkdtemp(join(tmpdir(), "capstan-inputs-"));
    await writeFile(join(dir, "bad.json"), "{ nope");
    await expect(loadInputs(schema, [], [join(dir, "bad.json")])).rejects.toThrow(/not valid JSON/);
    await writeFile(join(dir, "list.yaml"), "- a\n- b\n");
    await expect(loadInputs(schema, [], [join(dir, "list.yaml")])).rejects.toThrow(/must hold an object/);
  });

  it("takes JSON literals for keys without a schema", async () => {
    expect(await loadInputs(undefined, ["n=3", "s=hello", "b=true", "l=[1]"], [])).toEqual({ n: 3, s: "hello", b: true, l: [1] });
  });
});

describe("describeInputs", () => {
  it("lists inputs with type, required/default and description", () => {
    const rows = describeInputs(schema);
    expect(rows.find((r) => r.name === "tags")).toEqual({ name: "tags", type: "string[]", required: true });
    expect(rows.find((r) => r.name === "dryRun")).toEqual({ name: "dryRun", type: "boolean", required: false, default: false });
    expect(rows.find((r) => r.name === "env")?.type).toBe('"dev" | "prod"');
    expect(rows.find((r) => r.name === "version")?.description).toBe("keeps 1.10 as text");
    expect(rows.find((r) => r.name === "ports")?.required).toBe(false);
  });
});
