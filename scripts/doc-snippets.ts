/**
 * Extracts the TypeScript examples from docs/*.md and README.md so `npm test` type-checks them
 * (tsconfig.docs.json). A ```ts block that has an import line is a complete example and is checked;
 * a block without imports is a fragment of the surrounding prose and is skipped.
 *
 * - A block introduced by a line naming its file (`flows/restart.ts`:) is written at that path,
 *   so another example of the same page can import it (`import { restart } from "./restart.ts"`).
 * - Other relative imports are relative to the page (e.g. `../examples/hello.ts`).
 * - An HTML comment right before a block adds code the reader does not need to see (declared
 *   placeholders such as `declare const manifest: string;`): <!-- ts-prelude: ... -->
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, posix } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, ".cache", "doc-snippets");
rmSync(out, { recursive: true, force: true });
const pages = [join(root, "README.md"), ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => join(root, "docs", f))];
let checked = 0;
let skipped = 0;

for (const page of pages) {
  const text = readFileSync(page, "utf8");
  const blocks: { code: string; prelude: string; name: string | undefined; line: number }[] = [];
  for (const m of text.matchAll(/(?:<!-- ts-prelude: ([\s\S]*?) -->\n)?^```ts\n([\s\S]*?)^```$/gm)) {
    const before = text.slice(0, m.index).trimEnd().split("\n").at(-1) ?? "";
    const name = /^`([\w./-]+\.ts)`.*:$/.exec(before.trim())?.[1];
    blocks.push({ code: m[2]!, prelude: m[1] ?? "", name, line: text.slice(0, m.index).split("\n").length + 1 });
  }
  const named = new Set(blocks.flatMap((b) => (b.name ? [posix.normalize(b.name)] : [])));
  blocks.forEach((b, i) => {
    if (!/^import /m.test(b.code)) {
      skipped++;
      return;
    }
    const virtual = b.name ? posix.normalize(b.name) : `snippet-${i + 1}.ts`;
    const code = b.code.replace(/from "(\.\.?\/[^"]+)"/g, (whole, rel: string) =>
      named.has(posix.join(posix.dirname(virtual), rel)) ? whole : `from "${join(dirname(page), rel)}"`,
    );
    const target = join(out, basename(page, ".md"), virtual);
    mkdirSync(dirname(target), { recursive: true });
    // The header maps a type error back to the page and line it came from.
    writeFileSync(target, `// ${page.slice(root.length + 1)}:${b.line}\nexport {};\n${code}\n${b.prelude}\n`);
    checked++;
  });
}
console.log(`doc snippets: ${checked} complete examples to type-check, ${skipped} fragments skipped`);
