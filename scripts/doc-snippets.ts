/**
 * Extracts the TypeScript examples from docs/*.md and README.md so `npm test` type-checks them
 * (tsconfig.docs.json). A ```ts block that has an import line is a complete example and is checked;
 * a block without imports is a fragment of the surrounding prose and is skipped.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, ".cache", "doc-snippets");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const files = [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))];
let checked = 0;
let skipped = 0;
for (const file of files) {
  const text = readFileSync(file, "utf8");
  let n = 0;
  // An HTML comment right before a block adds code the reader does not need to see (declared
  // placeholders such as `declare const manifest: string;`): <!-- ts-prelude: ... -->
  for (const m of text.matchAll(/(?:<!-- ts-prelude: ([\s\S]*?) -->\n)?^```ts\n([\s\S]*?)^```$/gm)) {
    n++;
    const prelude = m[1] ?? "";
    // Relative imports are relative to the document, not to the extracted file.
    const code = m[2]!.replace(/from "(\.\.?\/[^"]+)"/g, (_, rel: string) => `from "${join(file, "..", rel)}"`);
    if (!/^import /m.test(code)) {
      skipped++;
      continue;
    }
    const line = text.slice(0, m.index).split("\n").length;
    // The header maps a type error back to the doc and line it came from.
    writeFileSync(join(out, `${basename(file, ".md")}-${n}.ts`), `// ${file.slice(root.length + 1)}:${line + 1}\nexport {};\n${code}\n${prelude}\n`);
    checked++;
  }
}
console.log(`doc snippets: ${checked} complete examples to type-check, ${skipped} fragments skipped`);
