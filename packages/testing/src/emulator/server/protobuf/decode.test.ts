import { describe, expect, it } from "vitest";
import { decodeProtobufObject } from "./decode.js";

// A tiny encoder for test input (the server only decodes).
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const bytes = (no: number, data: number[]): number[] => [...varint((no << 3) | 2), ...varint(data.length), ...data];
const str = (no: number, s: string): number[] => bytes(no, [...Buffer.from(s)]);
const int = (no: number, n: number): number[] => [...varint(no << 3), ...varint(n)];

function envelope(apiVersion: string, kind: string, raw: number[]): Uint8Array {
  return new Uint8Array([0x6b, 0x38, 0x73, 0x00, ...bytes(1, [...str(1, apiVersion), ...str(2, kind)]), ...bytes(2, raw)]);
}

describe("protobuf request bodies", () => {
  it("decodes a ConfigMap with labels and data maps, dropping Go's zero values", () => {
    const meta = [...str(1, "cfg"), ...str(2, ""), ...int(7, 0), ...bytes(8, []), ...bytes(11, [...str(1, "app"), ...str(2, "web")])];
    const raw = [...bytes(1, meta), ...bytes(2, [...str(1, "a"), ...str(2, "b")])];
    expect(decodeProtobufObject(envelope("v1", "ConfigMap", raw))).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", labels: { app: "web" } }, data: { a: "b" } });
  });

  it("keeps meaningful zeros of pointer fields and decodes IntOrString", () => {
    // DeploymentSpec: replicas=1 (0), strategy=4 { rollingUpdate=2 { maxSurge=2 IntOrString{type=1,strVal=3} } }
    const maxSurge = [...int(1, 1), ...str(3, "50%")];
    const spec = [...int(1, 0), ...bytes(4, bytes(2, bytes(2, maxSurge)))];
    const obj = decodeProtobufObject(envelope("apps/v1", "Deployment", [...bytes(1, str(1, "d")), ...bytes(2, spec)]));
    expect(obj["spec"]).toEqual({ replicas: 0, strategy: { rollingUpdate: { maxSurge: "50%" } } });
  });

  it("rejects bodies without the k8s envelope", () => {
    expect(() => decodeProtobufObject(new Uint8Array([1, 2, 3, 4]))).toThrow("missing the k8s\\x00 prefix");
  });
});
