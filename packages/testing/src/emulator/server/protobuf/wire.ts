/** A minimal protobuf wire-format reader: fields as (number, wire type, value). */

export interface WireField {
  no: number;
  wire: number;
  /** Varint and fixed values as bigint; length-delimited values as bytes. */
  value: bigint | Uint8Array;
}

export function readVarint(buf: Uint8Array, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error("protobuf: truncated varint");
    const b = buf[pos++] as number;
    result |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [result, pos];
    shift += 7n;
  }
}

export function* fields(buf: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < buf.length) {
    const [tag, p1] = readVarint(buf, pos);
    pos = p1;
    const no = Number(tag >> 3n);
    const wire = Number(tag & 7n);
    if (wire === 0) {
      const [v, p] = readVarint(buf, pos);
      pos = p;
      yield { no, wire, value: v };
    } else if (wire === 2) {
      const [len, p] = readVarint(buf, pos);
      const end = p + Number(len);
      if (end > buf.length) throw new Error("protobuf: truncated field");
      yield { no, wire, value: buf.subarray(p, end) };
      pos = end;
    } else if (wire === 1) {
      const view = new DataView(buf.buffer, buf.byteOffset + pos, 8);
      yield { no, wire, value: view.getBigUint64(0, true) };
      pos += 8;
    } else if (wire === 5) {
      const view = new DataView(buf.buffer, buf.byteOffset + pos, 4);
      yield { no, wire, value: BigInt(view.getUint32(0, true)) };
      pos += 4;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
}

export function text(value: bigint | Uint8Array): string {
  return value instanceof Uint8Array ? Buffer.from(value).toString("utf8") : String(value);
}
