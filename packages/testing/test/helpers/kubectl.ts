/** Runs the real kubectl against an emulated cluster: fresh cache dir and kubeconfig per call site. */

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const KUBECTL = process.env["KUBECTL"] ?? "/usr/bin/kubectl";
export const hasKubectl = existsSync(KUBECTL);
if (!hasKubectl) console.warn(`kubectl not found at ${KUBECTL}: the kubectl end-to-end tests are skipped`);

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  (args: string[], options?: { stdin?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Writes a file into the kubectl work dir and returns its path. */
  file(name: string, content: string): string;
  dispose(): void;
}

export function kubectlFor(kubeconfig: string): Kubectl {
  const dir = mkdtempSync(join(tmpdir(), "capstan-kubectl-"));
  const config = join(dir, "kubeconfig");
  writeFileSync(config, kubeconfig);
  const run = ((args: string[], options: { stdin?: string; timeoutMs?: number } = {}) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(
        KUBECTL,
        ["--kubeconfig", config, "--cache-dir", join(dir, "cache"), ...args],
        { timeout: options.timeoutMs ?? 30_000, env: { ...process.env, HOME: dir, KUBECONFIG: config } },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      if (options.stdin !== undefined) child.stdin?.end(options.stdin);
    })) as Kubectl;
  run.file = (name, content) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  run.dispose = () => rmSync(dir, { recursive: true, force: true });
  return run;
}
