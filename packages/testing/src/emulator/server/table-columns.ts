/**
 * Server-side print columns per kind, as kubernetes/pkg/printers/internalversion/printers.go defines
 * them for `kubectl get` (priority 0 columns by default, priority 1 with `-o wide`).
 */

import type { KubeObject } from "../store/types.js";

export interface Column {
  name: string;
  type: "string" | "integer" | "date" | "number" | "boolean";
  format?: string;
  description: string;
  priority: number;
}

export interface Printer {
  columns: Column[];
  /** Cells after the NAME cell (every printer but events' starts with NAME). */
  cells(obj: KubeObject, now: number): unknown[];
  /** The printer has no NAME column (events). */
  noName?: boolean;
}

type Obj = Record<string, unknown>;
const o = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const a = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const n = (v: unknown): number => (typeof v === "number" ? v : 0);
const s = (v: unknown, dflt = "<none>"): string => (typeof v === "string" && v !== "" ? v : dflt);

const col = (name: string, type: Column["type"], description: string, priority = 0, format?: string): Column => ({ name, type, description, priority, ...(format ? { format } : {}) });
const NAME = col("Name", "string", "Name must be unique within a namespace.", 0, "name");
const AGE = col("Age", "string", "CreationTimestamp is a timestamp representing the server time when this object was created.");

/** duration.HumanDuration (apimachinery). */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export function age(obj: KubeObject, now: number): string {
  const ts = obj.metadata.creationTimestamp;
  return ts ? humanDuration(now - Date.parse(ts)) : "<unknown>";
}

function containerImages(spec: Obj): [string, string] {
  const cs = a(spec["containers"]).map(o);
  return [cs.map((c) => s(c["name"], "")).join(","), cs.map((c) => s(c["image"], "")).join(",")];
}

function selectorString(sel: unknown): string {
  const ml = o(o(sel)["matchLabels"]);
  const parts = Object.entries(ml).map(([k, v]) => `${k}=${String(v)}`);
  for (const e of a(o(sel)["matchExpressions"]).map(o)) parts.push(`${String(e["key"])} ${String(e["operator"]).toLowerCase()} (${a(e["values"]).join(",")})`);
  return parts.length > 0 ? parts.join(",") : "<none>";
}

/** The STATUS column of `kubectl get pods` (printPod's reason logic, simplified). */
function podStatus(pod: KubeObject): { ready: string; status: string; restarts: string } {
  const status = o(pod["status"]);
  const spec = o(pod["spec"]);
  let reason = s(status["reason"], "") || s(status["phase"], "Pending");
  const containers = a(spec["containers"]);
  let ready = 0;
  let restarts = 0;
  let lastRestart = 0;
  const initStatuses = a(status["initContainerStatuses"]).map(o);
  let initializing = false;
  initStatuses.forEach((c, i) => {
    restarts += n(c["restartCount"]);
    const state = o(c["state"]);
    const term = o(state["terminated"]);
    const waiting = o(state["waiting"]);
    if (state["terminated"] && n(term["exitCode"]) === 0) return;
    if (state["running"] && c["started"] === true) return;
    if (state["terminated"]) reason = s(term["reason"], "") ? `Init:${s(term["reason"])}` : `Init:ExitCode:${n(term["exitCode"])}`;
    else if (state["waiting"] && s(waiting["reason"], "") && waiting["reason"] !== "PodInitializing") reason = `Init:${s(waiting["reason"])}`;
    else reason = `Init:${i}/${a(spec["initContainers"]).length}`;
    initializing = true;
  });
  if (!initializing) {
    let hasRunning = false;
    for (const c of a(status["containerStatuses"]).map(o).reverse()) {
      restarts += n(c["restartCount"]);
      const state = o(c["state"]);
      const last = o(o(c["lastState"])["terminated"]);
      if (last["finishedAt"]) lastRestart = Math.max(lastRestart, Date.parse(String(last["finishedAt"])));
      const waiting = o(state["waiting"]);
      const term = o(state["terminated"]);
      if (state["waiting"] && s(waiting["reason"], "")) reason = s(waiting["reason"]);
      else if (state["terminated"] && s(term["reason"], "")) reason = s(term["reason"]);
      else if (state["terminated"]) reason = term["signal"] ? `Signal:${n(term["signal"])}` : `ExitCode:${n(term["exitCode"])}`;
      else if (state["running"] && c["ready"] === true) {
        hasRunning = true;
        ready++;
      } else if (state["running"]) hasRunning = true;
    }
    if (reason === "Completed" && hasRunning) {
      const readyCond = a(status["conditions"]).map(o).find((c) => c["type"] === "Ready");
      reason = readyCond?.["status"] === "True" ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp) reason = status["reason"] === "NodeLost" ? "Unknown" : "Terminating";
  let restartText = String(restarts);
  if (lastRestart > 0 && restarts > 0) restartText = `${restarts} (${humanDuration(Date.now() - lastRestart)} ago)`;
  return { ready: `${ready}/${containers.length}`, status: reason, restarts: restartText };
}

function conditionStatus(obj: KubeObject, type: string): string | undefined {
  return a(o(obj["status"])["conditions"]).map(o).find((c) => c["type"] === type)?.["status"] as string | undefined;
}

export const PRINTERS: Record<string, Printer> = {
  "/pods": {
    columns: [
      NAME,
      col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
      col("Status", "string", "The aggregate status of the containers in this pod."),
      col("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
      AGE,
      col("IP", "string", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
      col("Node", "string", "NodeName is a request to schedule this pod onto a specific node.", 1),
      col("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
      col("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
    ],
    cells: (p, now) => {
      const st = podStatus(p);
      const status = o(p["status"]);
      const gates = a(o(p["spec"])["readinessGates"]);
      return [st.ready, st.status, st.restarts, age(p, now), s(status["podIP"]), s(o(p["spec"])["nodeName"]), s(status["nominatedNodeName"]), gates.length > 0 ? `0/${gates.length}` : "<none>"];
    },
  },
  "apps/deployments": {
    columns: [
      NAME,
      col("Ready", "string", "Number of the pod with ready state"),
      col("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
      col("Available", "string", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
      AGE,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.", 1),
    ],
    cells: (d, now) => {
      const spec = o(d["spec"]);
      const st = o(d["status"]);
      const [names, images] = containerImages(o(o(spec["template"])["spec"]));
      const desired = spec["replicas"] === undefined ? 1 : n(spec["replicas"]);
      return [`${n(st["readyReplicas"])}/${desired}`, n(st["updatedReplicas"]), n(st["availableReplicas"]), age(d, now), names, images, selectorString(spec["selector"])];
    },
  },
  "apps/replicasets": {
    columns: [
      NAME,
      col("Desired", "integer", "Replicas is the number of desired replicas."),
      col("Current", "integer", "Replicas is the most recently observed number of replicas."),
      col("Ready", "integer", "The number of ready replicas for this replica set."),
      AGE,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col("Selector", "string", "Selector is a label query over pods that should match the replica count.", 1),
    ],
    cells: (r, now) => {
      const spec = o(r["spec"]);
      const st = o(r["status"]);
      const [names, images] = containerImages(o(o(spec["template"])["spec"]));
      return [spec["replicas"] === undefined ? 1 : n(spec["replicas"]), n(st["replicas"]), n(st["readyReplicas"]), age(r, now), names, images, selectorString(spec["selector"])];
    },
  },
  "apps/statefulsets": {
    columns: [NAME, col("Ready", "string", "Number of the pod with ready state"), AGE, col("Containers", "string", "Names of each container in the template.", 1), col("Images", "string", "Images referenced by each container in the template.", 1)],
    cells: (r, now) => {
      const spec = o(r["spec"]);
      const [names, images] = containerImages(o(o(spec["template"])["spec"]));
      return [`${n(o(r["status"])["readyReplicas"])}/${spec["replicas"] === undefined ? 1 : n(spec["replicas"])}`, age(r, now), names, images];
    },
  },
  "apps/daemonsets": {
    columns: [
      NAME,
      col("Desired", "integer", "The total number of nodes that should be running the daemon pod."),
      col("Current", "integer", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
      col("Ready", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."),
      col("Up-to-date", "integer", "The total number of nodes that are running updated daemon pod"),
      col("Available", "integer", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
      col("Node Selector", "string", "NodeSelector is a selector which must be true for the pod to fit on a node."),
      AGE,
    ],
    cells: (r, now) => {
      const st = o(r["status"]);
      const sel = o(o(o(o(r["spec"])["template"])["spec"])["nodeSelector"]);
      const selText = Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).join(",") || "<none>";
      return [n(st["desiredNumberScheduled"]), n(st["currentNumberScheduled"]), n(st["numberReady"]), n(st["updatedNumberScheduled"]), n(st["numberAvailable"]), selText, age(r, now)];
    },
  },
  "batch/jobs": {
    columns: [
      NAME,
      col("Status", "string", "Status of the job."),
      col("Completions", "string", "The desired number of successfully finished pods the job should be run with."),
      col("Duration", "string", "Time required to complete the job."),
      AGE,
      col("Containers", "string", "Names of each container in the template.", 1),
      col("Images", "string", "Images referenced by each container in the template.", 1),
      col("Selector", "string", "A label query over pods that should match the pod count.", 1),
    ],
    cells: (j, now) => {
      const spec = o(j["spec"]);
      const st = o(j["status"]);
      const completions = spec["completions"] === undefined ? `${n(st["succeeded"])}/1 of ${n(spec["parallelism"] ?? 1)}` : `${n(st["succeeded"])}/${n(spec["completions"])}`;
      let status = "Running";
      if (conditionStatus(j, "Complete") === "True") status = "Complete";
      else if (conditionStatus(j, "Failed") === "True") status = "Failed";
      else if (conditionStatus(j, "Suspended") === "True") status = "Suspended";
      const start = typeof st["startTime"] === "string" ? Date.parse(st["startTime"]) : undefined;
      const end = typeof st["completionTime"] === "string" ? Date.parse(st["completionTime"]) : now;
      const [names, images] = containerImages(o(o(spec["template"])["spec"]));
      return [status, completions, start === undefined ? "" : humanDuration(end - start), age(j, now), names, images, selectorString(spec["selector"])];
    },
  },
  "batch/cronjobs": {
    columns: [
      NAME,
      col("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
      col("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones."),
      col("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
      col("Active", "integer", "A list of pointers to currently running jobs."),
      col("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
      AGE,
    ],
    cells: (c, now) => {
      const spec = o(c["spec"]);
      const st = o(c["status"]);
      const last = typeof st["lastScheduleTime"] === "string" ? humanDuration(now - Date.parse(st["lastScheduleTime"])) : "<none>";
      return [s(spec["schedule"], ""), s(spec["timeZone"]), spec["suspend"] === true, a(st["active"]).length, last, age(c, now)];
    },
  },
  "/services": {
    columns: [
      NAME,
      col("Type", "string", "type determines how the Service is exposed."),
      col("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually assigned randomly."),
      col("External-IP", "string", "List of IP addresses for which nodes in the cluster will also accept traffic for this service."),
      col("Port(s)", "string", "The list of ports that are exposed by this service."),
      AGE,
      col("Selector", "string", "Route service traffic to pods with label keys and values matching this selector.", 1),
    ],
    cells: (svc, now) => {
      const spec = o(svc["spec"]);
      const ports = a(spec["ports"]).map(o).map((p) => `${n(p["port"])}${p["nodePort"] ? `:${n(p["nodePort"])}` : ""}/${s(p["protocol"], "TCP")}`);
      const sel = Object.entries(o(spec["selector"])).map(([k, v]) => `${k}=${String(v)}`).join(",") || "<none>";
      const ext = a(spec["externalIPs"]).join(",") || (spec["type"] === "LoadBalancer" ? "<pending>" : "<none>");
      return [s(spec["type"], "ClusterIP"), s(spec["clusterIP"]), ext, ports.join(",") || "<none>", age(svc, now), sel];
    },
  },
  "/configmaps": {
    columns: [NAME, col("Data", "integer", "Number of data items in the ConfigMap"), AGE],
    cells: (c, now) => [Object.keys(o(c["data"])).length + Object.keys(o(c["binaryData"])).length, age(c, now)],
  },
  "/secrets": {
    columns: [NAME, col("Type", "string", "The type of the secret"), col("Data", "integer", "The number of data items in the secret"), AGE],
    cells: (c, now) => [s(c["type"], "Opaque"), Object.keys(o(c["data"])).length, age(c, now)],
  },
  "/serviceaccounts": {
    columns: [NAME, col("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use."), AGE],
    cells: (c, now) => [a(c["secrets"]).length, age(c, now)],
  },
  "/namespaces": {
    columns: [NAME, col("Status", "string", "The status of the namespace"), AGE],
    cells: (c, now) => [s(o(c["status"])["phase"], "Active"), age(c, now)],
  },
  "/nodes": {
    columns: [
      NAME,
      col("Status", "string", "The status of the node"),
      col("Roles", "string", "The roles of the node"),
      AGE,
      col("Version", "string", "Kubelet Version reported by the node."),
      col("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
    ],
    cells: (node, now) => {
      const ready = conditionStatus(node, "Ready");
      let status = ready === "True" ? "Ready" : ready === undefined ? "Unknown" : "NotReady";
      if (o(node["spec"])["unschedulable"] === true) status += ",SchedulingDisabled";
      const roles = Object.keys(node.metadata.labels ?? {})
        .filter((k) => k.startsWith("node-role.kubernetes.io/"))
        .map((k) => k.slice("node-role.kubernetes.io/".length));
      const st = o(node["status"]);
      const ip = a(st["addresses"]).map(o).find((x) => x["type"] === "InternalIP")?.["address"];
      return [status, roles.join(",") || "<none>", age(node, now), s(o(st["nodeInfo"])["kubeletVersion"], ""), s(ip)];
    },
  },
  "/events": {
    noName: true,
    columns: [
      col("Last Seen", "string", "Time when this Event was last seen"),
      col("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future."),
      col("Reason", "string", "This should be a short, machine understandable string that gives the reason for this event being generated."),
      col("Object", "string", "The object that this event is about."),
      col("Message", "string", "A human-readable description of the status of this operation."),
    ],
    cells: (e, now) => {
      const inv = o(e["involvedObject"]);
      const last = s(e["lastTimestamp"], "") || s(e["eventTime"], "") || e.metadata.creationTimestamp || "";
      return [last ? humanDuration(now - Date.parse(last)) : "<unknown>", s(e["type"], ""), s(e["reason"], ""), `${String(inv["kind"] ?? "").toLowerCase()}/${String(inv["name"] ?? "")}`, s(e["message"], "")];
    },
  },
  "/persistentvolumeclaims": {
    columns: [
      NAME,
      col("Status", "string", "The status of the persistent volume claim"),
      col("Volume", "string", "The name of the persistent volume"),
      col("Capacity", "string", "The capacity of the persistent volume"),
      col("Access Modes", "string", "The access modes of the persistent volume"),
      col("StorageClass", "string", "The storage class of the persistent volume"),
      col("VolumeAttributesClass", "string", "VolumeAttributesClass of the persistent volume claim"),
      AGE,
    ],
    cells: (c, now) => {
      const spec = o(c["spec"]);
      const st = o(c["status"]);
      const modes = a(st["accessModes"]).map((m) => ({ ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" })[String(m)] ?? String(m));
      return [s(st["phase"], "Pending"), s(spec["volumeName"], ""), s(o(st["capacity"])["storage"], ""), modes.join(","), s(spec["storageClassName"], ""), s(spec["volumeAttributesClassName"]), age(c, now)];
    },
  },
  "networking.k8s.io/ingresses": {
    columns: [
      NAME,
      col("Class", "string", "The name of the IngressClass resource that should be used"),
      col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
      col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
      col("Ports", "string", "Ports of TLS configurations that open"),
      AGE,
    ],
    cells: (i, now) => {
      const spec = o(i["spec"]);
      const hosts = a(spec["rules"]).map(o).map((r) => s(r["host"], "*"));
      const lb = a(o(o(i["status"])["loadBalancer"])["ingress"]).map(o).map((x) => s(x["ip"], "") || s(x["hostname"], ""));
      return [s(spec["ingressClassName"]), hosts.join(",") || "*", lb.join(","), a(spec["tls"]).length > 0 ? "80, 443" : "80", age(i, now)];
    },
  },
  "apiextensions.k8s.io/customresourcedefinitions": {
    columns: [NAME, col("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created.")],
    cells: (c) => [c.metadata.creationTimestamp ?? ""],
  },
};

export const DEFAULT_PRINTER: Printer = { columns: [NAME, AGE], cells: (obj, now) => [age(obj, now)] };
