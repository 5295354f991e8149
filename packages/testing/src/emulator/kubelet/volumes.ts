/** Pod volumes as in-memory filesystems: emptyDir per pod, configMap/secret projected from the store, PVCs shared by claim. */

import type { ObjectStore } from "../store/types.js";
import type { Container, Pod, Volume } from "../controllers/k8s-types.js";
import { CONFIGMAPS, SECRETS } from "../controllers/refs.js";
import { MemFs, MountedFs, type Mount } from "./fs.js";
import { normalizePath } from "../shell/paths.js";

/** Long-lived volumes that outlive pods (PVCs, hostPath), shared across the runtime. */
export class VolumeStore {
  readonly #claims = new Map<string, MemFs>();
  readonly #hostPaths = new Map<string, MemFs>();

  claim(namespace: string, name: string): MemFs {
    const key = `${namespace}/${name}`;
    let fs = this.#claims.get(key);
    if (!fs) {
      fs = new MemFs();
      this.#claims.set(key, fs);
    }
    return fs;
  }

  hostPath(node: string, path: string): MemFs {
    const key = `${node}:${normalizePath(path)}`;
    let fs = this.#hostPaths.get(key);
    if (!fs) {
      fs = new MemFs();
      this.#hostPaths.set(key, fs);
    }
    return fs;
  }
}

function projected(data: Record<string, string>, items: { key: string; path: string }[] | undefined, base64: boolean): MemFs {
  const files: Record<string, string | Uint8Array> = {};
  const decode = (v: string): string | Uint8Array => (base64 ? new Uint8Array(Buffer.from(v, "base64")) : v);
  if (items?.length) {
    for (const item of items) {
      const v = data[item.key];
      if (v !== undefined) files[`/${item.path}`] = decode(v);
    }
  } else for (const [k, v] of Object.entries(data)) files[`/${k}`] = decode(v);
  return new MemFs({ files, readOnly: true });
}

export function createPodVolumes(store: ObjectStore, shared: VolumeStore, pod: Pod): Map<string, MemFs> {
  const ns = pod.metadata.namespace ?? "default";
  const out = new Map<string, MemFs>();
  for (const v of pod.spec.volumes ?? []) out.set(v.name, createVolume(store, shared, pod, ns, v));
  return out;
}

function createVolume(store: ObjectStore, shared: VolumeStore, pod: Pod, ns: string, v: Volume): MemFs {
  if (v.configMap) {
    const cm = store.get(CONFIGMAPS, ns, v.configMap.name);
    return projected({ ...((cm?.["data"] ?? {}) as Record<string, string>) }, v.configMap.items, false);
  }
  if (v.secret) {
    const s = store.get(SECRETS, ns, v.secret.secretName);
    return projected({ ...((s?.["data"] ?? {}) as Record<string, string>) }, v.secret.items, true);
  }
  if (v.persistentVolumeClaim) return shared.claim(ns, v.persistentVolumeClaim.claimName);
  const hostPath = v["hostPath"] as { path?: string } | undefined;
  if (hostPath?.path) return shared.hostPath(pod.spec.nodeName ?? "", hostPath.path);
  return new MemFs();
}

/** The filesystem one container run sees: a fresh root plus its volume mounts. */
export function containerFs(pod: Pod, container: Container, volumes: Map<string, MemFs>): MountedFs {
  const root = new MemFs();
  for (const d of ["/tmp", "/root", "/etc", "/var/log", "/bin", "/usr/bin", "/dev"]) root.mkdir(d, { recursive: true });
  root.writeFile("/etc/hostname", `${pod.spec.hostname ?? pod.metadata.name ?? ""}\n`);
  const mounts: Mount[] = [];
  for (const vm of container.volumeMounts ?? []) {
    const vol = volumes.get(vm.name);
    if (!vol) continue;
    if (vm.subPath) {
      // A subPath mount is copied in as a snapshot (file or directory) of that path of the volume.
      const src = `/${vm.subPath}`;
      const st = vol.stat(src);
      const dest = normalizePath(vm.mountPath);
      root.mkdir(dest.slice(0, dest.lastIndexOf("/")) || "/", { recursive: true });
      if (st?.type === "file") root.writeFile(dest, vol.readFile(src));
      else if (!st && !vol.readOnly) {
        vol.mkdir(src, { recursive: true });
        root.mkdir(dest, { recursive: true });
      } else root.mkdir(dest, { recursive: true });
      continue;
    }
    mounts.push({ path: vm.mountPath, fs: vol, readOnly: vm.readOnly ?? false });
  }
  return new MountedFs(root, mounts);
}
