/** Field tables of the Kubernetes protobuf messages (generated into k8s-proto.json by extract.ts). */

import { readFileSync } from "node:fs";

/** fullName → field number → [json name, descriptor type, message type name, repeated (0|1)]. */
export type ProtoSchema = Record<string, { fields: Record<string, [string, number, string, number]>; map?: boolean }>;

let schema: ProtoSchema | undefined;

export function protoSchema(): ProtoSchema {
  schema ??= JSON.parse(readFileSync(new URL("./k8s-proto.json", import.meta.url), "utf8")) as ProtoSchema;
  return schema;
}
