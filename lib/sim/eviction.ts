/**
 * The pods/eviction subresource (policy/v1 Eviction): deletes a pod unless that would break a
 * PodDisruptionBudget that selects it, as kube-apiserver does. A budget allows
 * `healthy − (expected − maxUnavailable)` disruptions (or `healthy − minAvailable`), where `expected` is
 * the replica count of the Deployments whose pods the budget selects (the API server reads the
 * controller's scale) and `healthy` counts the Ready pods it selects. A pod that is not Ready may always
 * be evicted when the budget says `unhealthyPodEvictionPolicy: AlwaysAllow`. A refused eviction is a 429
 * TooManyRequests with the API server's message; a pod selected by two budgets is a 500, as in Kubernetes.
 */
import { KubeApiError, badRequest, statusObject } from './api-errors.js';
import type { ObjectStore } from './object-store.js';
import { isPodReady } from './pod-model.js';
import { resourceType } from './resource-types.js';
import { matchesLabelSelector, type LabelSelectorSpec } from './selectors.js';
import type { KubeObj } from './sim-types.js';

/** Free-form object fields, as the deployment controller reads them. */
type Obj = Record<string, any>;

const PODS = resourceType('pods');
const PDBS = resourceType('poddisruptionbudgets', 'policy');
const DEPLOYMENTS = resourceType('deployments', 'apps');

/** Evicts `name` in `namespace` per the Eviction body; returns the Status a real API server answers with (201). */
export function evictPod(store: ObjectStore, namespace: string, name: string, body: KubeObj, dryRun = false): Record<string, unknown> {
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`expected kind Eviction, got ${String(body.kind)}`);
  if (body.metadata?.name !== undefined && body.metadata.name !== name) throw badRequest('name in URL does not match name in Eviction object');
  const pod = store.require(PODS, namespace, name);
  const labels = pod.metadata.labels ?? {};
  const budgets = store.scan(PDBS, { namespace }).filter((b) => matchesLabelSelector(specOf(b).selector as LabelSelectorSpec | undefined, labels));
  if (budgets.length > 1)
    throw new KubeApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const budget = budgets[0];
  if (budget && !(specOf(budget).unhealthyPodEvictionPolicy === 'AlwaysAllow' && !isPodReady(pod)) && allowedDisruptions(store, namespace, budget) <= 0)
    throw new KubeApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
      causes: [{ reason: 'DisruptionBudget', field: '', message: `The disruption budget ${budget.metadata.name} needs more healthy pods` }],
    });
  if (!dryRun) store.delete(PODS, namespace, name);
  return statusObject(201, undefined, '');
}

function allowedDisruptions(store: ObjectStore, namespace: string, budget: Readonly<KubeObj>): number {
  const selector = specOf(budget).selector as LabelSelectorSpec | undefined;
  const selected = store.scan(PODS, { namespace }).filter((p) => matchesLabelSelector(selector, p.metadata.labels ?? {}) && !p.metadata.deletionTimestamp);
  const healthy = selected.filter((p) => isPodReady(p)).length;
  let expected = 0;
  for (const d of store.scan(DEPLOYMENTS, { namespace })) {
    const templateLabels = (specOf(d).template?.metadata?.labels ?? {}) as Record<string, string>;
    if (matchesLabelSelector(selector, templateLabels)) expected += Number(specOf(d).replicas ?? 1);
  }
  if (expected === 0) expected = selected.length;
  const { maxUnavailable, minAvailable } = specOf(budget);
  const desiredHealthy =
    maxUnavailable !== undefined ? expected - count(maxUnavailable, expected) : minAvailable !== undefined ? count(minAvailable, expected) : expected;
  return healthy - Math.max(0, desiredHealthy);
}

/** An int-or-percent of `total` (percentages round up, as the disruption controller does). */
function count(value: unknown, total: number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(String(value));
  return match ? Math.ceil((Number(match[1]) / 100) * total) : Number(value);
}

function specOf(object: Readonly<KubeObj>): Obj {
  return (object.spec ?? {}) as Obj;
}
