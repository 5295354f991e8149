/** Type tests for the task factories (tsc checks them; vitest runs the trivial runtime part). */
import { describe, expectTypeOf, it } from "vitest";
import { flow, secret } from "@capstan/core";
import { kubectl, type ListResult } from "../index.js";

type StepsOf<F> = F extends { __types?: { steps: infer S } } ? S : never;

describe("kubernetes task types", () => {
  it("types get by kind, as a single object or a list", () => {
    const f = flow({ id: "t" })
      .step("dep", kubectl.get({ kind: "Deployment", name: "web", namespace: "prod" }))
      .step("pods", kubectl.get({ kind: "Pod", labelSelector: "app=web" }))
      .step("maybe", kubectl.get({ kind: "ConfigMap", name: "x", optional: true }))
      .step("spark", kubectl.get({ kind: "SparkApplication", apiVersion: "sparkoperator.k8s.io/v1beta2", name: "etl" }))
      .step("ready", ({ steps }) => steps.dep.status?.readyReplicas === steps.dep.spec?.replicas && steps.pods.items.every((p) => p.status?.phase === "Running"));
    type S = StepsOf<typeof f>;
    expectTypeOf<S["dep"]["kind"]>().toEqualTypeOf<"Deployment">();
    expectTypeOf<NonNullable<S["dep"]["metadata"]>["creationTimestamp"]>().toEqualTypeOf<string | undefined>();
    expectTypeOf<S["pods"]>().toMatchTypeOf<ListResult<{ kind: "Pod" }>>();
    expectTypeOf<S["maybe"]>().toMatchTypeOf<{ kind: "ConfigMap" } | null>();
    expectTypeOf<S["spark"]["spec"]>().toEqualTypeOf<Record<string, unknown> | undefined>();
  });

  it("takes parameters from the context and clusters from secrets", () => {
    flow({ id: "t" })
      .step("manifest", () => "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
      .step("apply", kubectl.apply(({ steps }) => ({ manifest: steps.manifest, cluster: { kubeconfig: secret("KC") }, waitUntilReady: "2m" })))
      .step("count", ({ steps }) => steps.apply.objects.length);
    // @ts-expect-error unknown field
    kubectl.apply({ manifest: "x", fieldManger: "me" });
    // @ts-expect-error restart takes only workload kinds
    kubectl.restart({ kind: "Pod", name: "x" });
  });
});
