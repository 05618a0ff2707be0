import type { RenderContext, ServiceRef } from '../../mesh/render-context.js';
import { resolveDependencies } from '../../mesh/dependencies.js';
import type { ServiceRecord } from '../../model/records.js';

const ref = (s: ServiceRecord): ServiceRef => ({ name: s.name, namespace: s.spec.namespace });

/**
 * Everything a service's manifests depend on besides its spec, derived from stored state alone: who
 * calls it (from the other services' declared dependencies), where its dependencies live, the running
 * rollout's canary and weight, the optimizer's placement and a pending restart.
 */
export function renderContextFor(record: ServiceRecord, services: readonly ServiceRecord[]): RenderContext {
  const others = services.filter((s) => s.name !== record.name && s.phase !== 'deleted');
  const callers = others.filter((s) => s.spec.dependencies.some((d) => d.service === record.name)).map(ref);
  const traffic = record.traffic;
  return {
    revision: record.podRevision ?? record.revision,
    callers,
    dependencies: resolveDependencies(record.spec, others.map(ref)),
    ...(traffic
      ? {
          canary: { image: traffic.canaryImage, replicas: traffic.canaryReplicas, revision: record.revision + 1 },
          trafficSplit: { canaryWeight: traffic.canaryWeight },
          preview: traffic.preview,
        }
      : {}),
    ...(record.placement ? { placement: { requiredNodes: record.placement.requiredNodes, avoidNodes: record.placement.avoidNodes, preferredNodes: record.placement.preferredNodes } } : {}),
    ...(record.restartedAt ? { restartedAt: record.restartedAt } : {}),
  };
}
