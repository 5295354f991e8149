import { describe, expect, it } from "vitest";
import { ByteStreamMasker, Masker, encodedForms, formsOf } from "./mask.js";

const SECRET = "hunter2-Sup3r/s3cret+value";

function masker(...values: string[]): Masker {
  const m = new Masker();
  for (const v of values) m.add(v);
  return m;
}

describe("Masker", () => {
  it("masks the exact value wherever it appears", () => {
    expect(masker(SECRET).mask(`token=${SECRET}; again ${SECRET}.`)).toBe("token=****; again ****.");
  });

  it("masks base64 and base64url forms, standalone and inside a longer encoding", () => {
    const m = masker(SECRET);
    expect(m.mask(`b64 ${Buffer.from(SECRET).toString("base64")}`)).toBe("b64 ****");
    expect(m.mask(Buffer.from(SECRET).toString("base64url"))).not.toContain(Buffer.from(SECRET).toString("base64url").slice(0, 20));
    // Basic auth: the value is base64-encoded after a prefix, at every byte alignment.
    for (const prefix of ["u:", "us:", "use:", "user:"]) {
      const header = Buffer.from(`${prefix}${SECRET}`).toString("base64");
      const out = m.mask(header);
      expect(out).toContain("****");
      // What is left is at most the prefix's characters and one or two boundary characters.
      expect(out.replace("****", "").length).toBeLessThanOrEqual(Math.ceil((prefix.length * 8) / 6) + 4);
    }
  });

  it("masks URL-encoded forms (percent, lower-case percent, form +)", () => {
    const v = "p@ss word/&=ok";
    const m = masker(v);
    expect(m.mask(`https://x/?p=${encodeURIComponent(v)}`)).toBe("https://x/?p=****");
    expect(m.mask(encodeURIComponent(v).toLowerCase().replace(/%20/g, "+"))).not.toContain("word");
    expect(m.mask(new URLSearchParams({ p: v }).toString())).toBe("p=****");
  });

  it("masks each line of a multi-line value, and its JSON-escaped form", () => {
    const pem = "-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA1\nq9Zz8xY7wQ==\n-----END KEY-----";
    const m = masker(pem);
    expect(m.mask(`key:\n${pem}\n`)).toBe("key:\n****\n");
    expect(m.mask("line two alone: MIIEpAIBAAKCAQEA1")).toBe("line two alone: ****");
    expect(m.mask(JSON.stringify({ pem }))).toBe('{"pem":"****"}');
    expect(m.mask("  q9Zz8xY7wQ==  ")).toBe("  ****  ");
  });

  it("leaves very short values and unrelated text alone", () => {
    const m = masker("abc");
    expect(m.active).toBe(false);
    expect(m.mask("abc abc")).toBe("abc abc");
    expect(masker(SECRET).mask("nothing to see")).toBe("nothing to see");
  });

  it("masks longest forms first so a value is not half-masked by its own line", () => {
    const m = masker("first-line\nsecond-line");
    expect(m.mask("first-line\nsecond-line")).toBe("****");
  });

  it("maskValue masks strings deep in objects and arrays, keys included, and keeps identity when clean", () => {
    const m = masker(SECRET);
    const clean = { a: [1, "x", { b: true }], d: new Date(0) };
    expect(m.maskValue(clean)).toBe(clean);
    const dirty = { list: ["ok", `x${SECRET}`], nested: { [SECRET]: { deep: [SECRET] } }, n: 3 };
    const out = m.maskValue(dirty);
    expect(out).toEqual({ list: ["ok", "x****"], nested: { "****": { deep: ["****"] } }, n: 3 });
    expect(dirty.list[1]).toBe(`x${SECRET}`); // the original is untouched
    expect(JSON.stringify(m.maskValue(new Error(`bad ${SECRET}`)).message)).not.toContain(SECRET);
  });

  it("lists forms for a value", () => {
    expect(formsOf("plain")).toContain(Buffer.from("plain").toString("base64"));
    expect(formsOf("a b")).toContain("a+b");
  });
});

describe("StreamMasker", () => {
  const streamAll = (m: Masker, chunks: (string | Uint8Array)[]) => {
    const s = m.stream();
    const out = chunks.map((c) => s.write(c));
    out.push(s.end());
    return out;
  };

  it("masks a value split across two chunks at every possible point", () => {
    const m = masker(SECRET);
    const text = `before ${SECRET} after`;
    for (let cut = 1; cut < text.length; cut++) {
      const out = streamAll(m, [text.slice(0, cut), text.slice(cut)]);
      expect(out.join("")).toBe("before **** after");
      for (const piece of out) expect(SECRET.includes(piece) && piece.length > 3).toBe(false);
    }
  });

  it("masks a value split into one-character chunks and across UTF-8 byte boundaries", () => {
    const v = "pässwörd-€-123";
    const m = masker(v);
    const bytes = Buffer.from(`x ${v} y`);
    const out = streamAll(m, [...bytes].map((b) => Uint8Array.of(b)));
    expect(out.join("")).toBe("x **** y");
  });

  it("does not cut through a complete value when another value's prefix is held back", () => {
    const m = masker("abcd1234", "1234WXYZ");
    const s = m.stream();
    const first = s.write("zz abcd1234WX");
    const second = s.write("Q tail");
    const all = first + second + s.end();
    expect(all).not.toContain("abcd1234");
    expect(all).toContain("zz ");
  });

  it("emits text at once when no tail could start a value, and holds only what could", () => {
    const m = masker(SECRET);
    const s = m.stream();
    expect(s.write("plain line\n")).toBe("plain line\n");
    expect(s.write("next hunt")).toBe("next ");
    expect(s.write("ing season")).toBe("hunting season");
    expect(s.end()).toBe("");
  });

  it("masks values registered after the stream started", () => {
    const m = new Masker();
    const s = m.stream();
    expect(s.write("early ")).toBe("early ");
    m.add(SECRET);
    expect(s.write(SECRET.slice(0, 5)) + s.write(SECRET.slice(5)) + s.end()).toBe("****");
  });

  it("masks each line of a multi-line value streamed line by line", () => {
    const v = "line-one-xx\nline-two-yy";
    const m = masker(v);
    expect(streamAll(m, ["a line-o", "ne-xx\nline", "-two-yy b"]).join("")).toBe("a **** b");
    expect(streamAll(m, ["a line-o", "ne-xx\nzz line", "-two-yy b"]).join("")).toBe("a ****\nzz **** b");
  });
});

describe("binary masking", () => {
  const binary = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));

  it("overwrites every form's bytes with * of the same length, leaving the rest", () => {
    const m = masker(SECRET);
    const data = binary([0xff, 0x00], SECRET, [0x01], Buffer.from(SECRET).toString("base64"), [0xfe], SECRET);
    const out = Buffer.from(m.maskBytes(data));
    expect(out.byteLength).toBe(data.byteLength);
    expect(out.includes(Buffer.from(SECRET))).toBe(false);
    expect(out.includes(Buffer.from(Buffer.from(SECRET).toString("base64")))).toBe(false);
    expect([...out.subarray(0, 2), out[2 + SECRET.length]]).toEqual([0xff, 0x00, 0x01]);
    expect(out.subarray(2, 2 + SECRET.length).toString()).toBe("*".repeat(SECRET.length));
  });

  it("returns the same bytes when nothing matches or nothing is registered", () => {
    const data = binary([0xff, 1, 2, 3]);
    expect(masker(SECRET).maskBytes(data)).toBe(data);
    expect(new Masker().maskBytes(data)).toBe(data);
  });

  it("a stream: a value split at any byte is overwritten, and the length is kept", () => {
    const m = masker(SECRET);
    const data = binary([0xff, 0x00], SECRET, [0x01, 0xfe]);
    for (let cut = 1; cut < data.byteLength; cut++) {
      const s = new ByteStreamMasker(m);
      const out = Buffer.concat([s.write(data.subarray(0, cut)), s.write(data.subarray(cut)), s.end()]);
      expect(out.byteLength).toBe(data.byteLength);
      expect(out.includes(Buffer.from(SECRET)), `cut at ${cut}`).toBe(false);
      expect(out.subarray(0, 2)).toEqual(Buffer.from([0xff, 0x00]));
    }
  });
});

describe("encodedForms", () => {
  it("names each form's encoding, whole encodings before runs inside longer ones", () => {
    const forms = encodedForms("p@ss/w:rd+");
    expect(forms[0]).toEqual({ form: "p@ss/w:rd+", encoding: "exact" });
    const names = forms.map((f) => f.encoding);
    expect(names).toContain("base64");
    expect(names).toContain("URL-encoded");
    expect(names.indexOf("base64 (inside a longer encoding)")).toBeGreaterThan(names.indexOf("form-encoded"));
    expect(new Set(forms.map((f) => f.form)).size).toBe(forms.length);
    expect(formsOf("p@ss/w:rd+")).toEqual(forms.map((f) => f.form));
  });
});
