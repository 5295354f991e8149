import { describe, expect, it } from "vitest";
import * as tarStream from "tar-stream";
import { runArgv, runScript, BufferOutput } from "./index.js";
import { MemFs } from "../kubelet/fs.js";
import type { ShellOptions } from "./interpreter.js";

async function sh(script: string, extra: Partial<ShellOptions> = {}): Promise<{ code: number; out: string; err: string; fs: MemFs }> {
  const stdout = new BufferOutput();
  const stderr = new BufferOutput();
  const fs = (extra.fs as MemFs | undefined) ?? new MemFs();
  const code = await runScript(script, { fs, stdout, stderr, ...extra });
  return { code, out: stdout.text(), err: stderr.text(), fs };
}

describe("shell basics", () => {
  it("echoes, quotes and expands variables", async () => {
    const r = await sh(`X=world; echo "hello $X" 'lit $X' \${Y:-dflt} \${X:+set}; echo -n a; echo b`);
    expect(r.out).toBe("hello world lit $X dflt set\nab\n");
    expect(r.code).toBe(0);
  });

  it("tracks $? and && || ;", async () => {
    const r = await sh(`false; echo $?; true && echo yes || echo no; false && echo yes || echo no; exit 3`);
    expect(r.out).toBe("1\nyes\nno\n");
    expect(r.code).toBe(3);
  });

  it("runs if/while/for/case and functions", async () => {
    const r = await sh(`
      i=0
      while [ $i -lt 3 ]; do i=$((i+1)); done
      if [ "$i" = 3 ]; then echo three; else echo other; fi
      for x in a b c; do printf '%s-' "$x"; done; echo
      case "$i" in 1|2) echo small;; 3) echo exact;; *) echo big;; esac
      greet() { echo "hi $1"; return 4; }
      greet bob; echo "rc=$?"
    `);
    expect(r.out).toBe("three\na-b-c-\nexact\nhi bob\nrc=4\n");
  });

  it("supports pipes, redirections, here-docs and command substitution", async () => {
    const r = await sh(
      [
        "mkdir -p /data/sub",
        "echo one > /data/f.txt",
        "echo two >> /data/f.txt",
        "cat /data/f.txt | grep two",
        "n=$(cat < /data/f.txt | wc -l)",
        'echo "lines=$n"',
        "cat <<END > /data/h.txt",
        "name=$HOME",
        "END",
        "cat /data/h.txt",
        "ls /data",
        "echo err >&2",
        'missing_cmd 2>/dev/null || echo "rc=$?"',
      ].join("\n"),
    );
    expect(r.out).toBe("two\nlines=2\nname=/root\nf.txt\nh.txt\nsub\nrc=127\n");
    expect(r.err).toBe("err\n");
  });

  it("file commands: touch, cp, mv, rm, test", async () => {
    const r = await sh(`
      touch /a; cp /a /b; mv /b /c
      [ -f /c ] && echo c-exists
      test -e /b || echo b-gone
      mkdir /d; cp -r /d /e; [ -d /e ] && echo e-dir
      rm /a; rm /nope; echo "rm=$?"
    `);
    expect(r.out).toBe("c-exists\nb-gone\ne-dir\nrm=1\n");
    expect(r.err).toContain("can't remove '/nope'");
  });

  it("reports syntax errors with status 2", async () => {
    const r = await sh(`if true; then echo x`);
    expect(r.code).toBe(2);
    expect(r.err).toContain("syntax error");
  });

  it("set -e stops at the first failure", async () => {
    const r = await sh(`set -e; echo a; false; echo b`);
    expect(r.out).toBe("a\n");
    expect(r.code).toBe(1);
  });

  it("runs the TERM trap when aborted during sleep, then EXIT", async () => {
    const ac = new AbortController();
    const slept: number[] = [];
    const p = sh(`trap 'echo bye; exit 0' TERM; trap 'echo exiting' EXIT; echo start; sleep 100; echo never`, {
      signal: ac.signal,
      sleep: (s, signal) =>
        new Promise((_, reject) => {
          slept.push(s);
          signal.addEventListener("abort", () => reject(Object.assign(new Error("t"), { name: "AbortError" })));
        }),
    });
    await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const r = await p;
    expect(slept).toEqual([100]);
    expect(r.out).toBe("start\nbye\nexiting\n");
    expect(r.code).toBe(0);
  });

  it("exits 143 on abort without a trap", async () => {
    const ac = new AbortController();
    const p = sh(`sleep infinity`, { signal: ac.signal });
    setTimeout(() => ac.abort(), 2);
    expect((await p).code).toBe(143);
  });

  it("runs nested sh -c with positional args and $0", async () => {
    const r = await sh(`sh -c 'echo "$0:$1:$#"' zero one`);
    expect(r.out).toBe("zero:one:1\n");
  });

  it("expands globs against the filesystem and strips patterns", async () => {
    const r = await sh(`mkdir /g; touch /g/a.txt /g/b.txt /g/c.log; echo /g/*.txt; f=/x/y/file.tar.gz; echo \${f##*/} \${f%.gz} \${#f}`);
    expect(r.out).toBe("/g/a.txt /g/b.txt\nfile.tar.gz /x/y/file.tar 16\n");
  });

  it("printf formats and cycles arguments", async () => {
    const r = await sh(`printf '%s=%d\\n' a 1 b 2; printf '%5s|%-3s|\\n' x y`);
    expect(r.out).toBe("a=1\nb=2\n    x|y  |\n");
  });

  it("runs argv without shell parsing of its arguments", async () => {
    const stdout = new BufferOutput();
    const code = await runArgv(["echo", "a b", "$HOME"], { fs: new MemFs(), stdout, stderr: new BufferOutput() });
    expect(code).toBe(0);
    expect(stdout.text()).toBe("a b $HOME\n");
  });

  it("transforms text with tr, cut, base64 and xargs", async () => {
    const r = await sh(`echo hello | tr a-z A-Z; echo a:b:c | cut -d: -f2,3; echo -n hi | base64; echo aGk= | base64 -d; echo; echo x y | xargs echo got`);
    expect(r.out).toBe("HELLO\nb:c\naGk=\nhi\ngot x y\n");
  });

  it("reads stdin lines with read in a while loop", async () => {
    const r = await sh(`while read line; do echo "got $line"; done`, { stdin: "x\ny\n" });
    expect(r.out).toBe("got x\ngot y\n");
  });
});

describe("shell tar", () => {
  it("creates and extracts archives (kubectl cp shapes)", async () => {
    const fs = new MemFs();
    const stdout = new BufferOutput();
    const stderr = new BufferOutput();
    const code = await runScript(`mkdir -p /src/dir; echo hello > /src/dir/a.txt; echo b > /src/b.txt; tar cf - /src`, { fs, stdout, stderr });
    expect(code).toBe(0);
    expect(stderr.text()).toBe("");
    const names: string[] = [];
    const ex = tarStream.extract();
    const reading = (async () => {
      for await (const e of ex) {
        names.push(e.header.name);
        e.resume();
      }
    })();
    ex.end(Buffer.from(stdout.bytes()));
    await reading;
    expect(names).toEqual(["src/", "src/b.txt", "src/dir/", "src/dir/a.txt"]);

    const out2 = new BufferOutput();
    await runScript("tar cf - -C /src dir", { fs, stdout: out2, stderr: new BufferOutput() });
    const r = await sh(`mkdir /dest; tar -xmf - -C /dest && cat /dest/dir/a.txt`, { stdin: out2.bytes() });
    expect(r.code).toBe(0);
    expect(r.out).toBe("hello\n");
  });

  it("fails to extract into a missing directory", async () => {
    const r = await sh(`tar xf - -C /missing`, { stdin: new Uint8Array(1024) });
    expect(r.code).toBe(2);
  });
});
