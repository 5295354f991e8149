/**
 * @capstan/testing: test flows without a real cluster or real SaaS APIs.
 *
 * - `mockCluster()` starts an emulated Kubernetes API server (kubectl and @kubernetes/client-node
 *   talk to it) with controllers and a simulated kubelet behind it.
 * - Fake servers for Slack, Vault, GitHub and a generic inventory API.
 * - The secret canary: a test setup that fails a test whose executions leaked a secret value.
 */

export { mockCluster, parseObjects } from "./emulator/cluster.js";
export type { MockCluster, MockClusterOptions, ObjectRef } from "./emulator/cluster.js";
export type { RecordedRequest as RecordedKubeRequest } from "./emulator/server/recorder.js";
export type { FaultAction, FaultRule, RequestFaultRule, RequestMatch, RuntimeFaultRule } from "./emulator/faults/rules.js";
export { seededRandom } from "./emulator/faults/injector.js";
export type { FaultHandle } from "./emulator/faults/injector.js";
export type { AuthzAttributes, TokenUser } from "./emulator/auth/authn.js";
export type { DeleteRequest, PropagationPolicy } from "./emulator/store/deletion.js";
export type { KubeObject, ObjectMeta, ObjectStore, OwnerReference, ResourceRef, StoreEvent } from "./emulator/store/types.js";
export { ManualClock, RealClock, ProgramRegistry } from "./emulator/kubelet/index.js";
export type {
  Clock,
  ClusterRuntime,
  ClusterRuntimeOptions,
  ContainerContext,
  ContainerFs,
  ContainerProgram,
  ContainerProgramOptions,
  ContainerProgramRegistry,
  ImagePullFailureRule,
  RuntimeTiming,
  SimulatedNodeSpec,
} from "./emulator/kubelet/types.js";
export * from "./fakes/index.js";
export * from "./canary/index.js";
