/**
 * Dev tool: regenerates k8s-proto.json from a kubectl binary, which embeds the gzipped protobuf
 * FileDescriptorProtos of k8s.io/api and apimachinery (gogo-protobuf registration data).
 *
 *   scripts/node22.sh tsx packages/testing/src/emulator/server/protobuf/extract.ts /usr/lib/google-cloud-sdk/bin/kubectl.1.32
 */

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { fields, text } from "./wire.js";
import type { ProtoSchema } from "./schema.js";

const WANTED = ["k8s.io.api.core.v1", "k8s.io.api.apps.v1", "k8s.io.api.batch.v1", "k8s.io.api.networking.v1", "k8s.io.api.autoscaling.v1", "k8s.io.api.policy.v1", "k8s.io.apimachinery.pkg.apis.meta.v1", "k8s.io.apimachinery.pkg.runtime", "k8s.io.apimachinery.pkg.api.resource", "k8s.io.apimachinery.pkg.util.intstr"];

function message(buf: Uint8Array, prefix: string, out: ProtoSchema): void {
  let name = "";
  const fieldList: [number, string, number, string | undefined, boolean][] = [];
  const nested: Uint8Array[] = [];
  let mapEntry = false;
  for (const f of fields(buf)) {
    if (f.no === 1) name = text(f.value);
    else if (f.no === 2 && f.value instanceof Uint8Array) {
      let fname = "";
      let num = 0;
      let type = 0;
      let typeName: string | undefined;
      let repeated = false;
      for (const g of fields(f.value)) {
        if (g.no === 1) fname = text(g.value);
        else if (g.no === 3) num = Number(g.value);
        else if (g.no === 4) repeated = Number(g.value) === 3;
        else if (g.no === 5) type = Number(g.value);
        else if (g.no === 6) typeName = text(g.value).replace(/^\./, "");
      }
      fieldList.push([num, fname, type, typeName, repeated]);
    } else if (f.no === 3 && f.value instanceof Uint8Array) nested.push(f.value);
    else if (f.no === 7 && f.value instanceof Uint8Array) {
      for (const g of fields(f.value)) if (g.no === 7 && g.value === 1n) mapEntry = true;
    }
  }
  const full = `${prefix}.${name}`;
  out[full] = { fields: Object.fromEntries(fieldList.map(([num, n, t, tn, r]) => [num, tn ? [n, t, tn, r ? 1 : 0] : [n, t, "", r ? 1 : 0]])), ...(mapEntry ? { map: true } : {}) };
  for (const n of nested) message(n, full, out);
}

function main(): void {
  const binary = process.argv[2];
  if (!binary) throw new Error("usage: extract.ts <kubectl binary>");
  const data = readFileSync(binary);
  const schema: ProtoSchema = {};
  const magic = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00]);
  for (let at = data.indexOf(magic); at >= 0; at = data.indexOf(magic, at + 1)) {
    let file: Buffer;
    try {
      file = gunzipSync(data.subarray(at, at + 4_000_000), { finishFlush: 2 });
    } catch {
      continue;
    }
    let pkg = "";
    const messages: Uint8Array[] = [];
    try {
      for (const f of fields(file)) {
        if (f.no === 2) pkg = text(f.value);
        else if (f.no === 4 && f.value instanceof Uint8Array) messages.push(f.value);
      }
    } catch {
      continue;
    }
    if (!WANTED.includes(pkg)) continue;
    for (const m of messages) message(m, pkg, schema);
  }
  const target = join(dirname(fileURLToPath(import.meta.url)), "k8s-proto.json");
  writeFileSync(target, `${JSON.stringify(schema)}\n`);
  console.log(`${Object.keys(schema).length} messages → ${target}`);
}

main();
