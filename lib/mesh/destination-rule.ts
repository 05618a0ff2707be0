import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { LABELS } from './labels.js';
import { istioDuration } from './durations.js';
import { localityLbSetting, type LocalityRoutingContext } from './locality-lb.js';
import { objectMetadata, serviceHost } from './object-metadata.js';
import { SUBSETS } from './subsets.js';

/**
 * The DestinationRule for a service: the `stable` and `canary` subsets the VirtualService routes to,
 * and the circuit breaker every caller's Envoy applies to it (connection pool limits, and ejection of
 * endpoints that keep answering 5xx). With a zone routing, the load balancer's locality settings
 * (locality-lb.ts); the outlier detection they need to fail over is always there.
 */
export function renderDestinationRule(spec: ServiceSpec, routing?: LocalityRoutingContext): KubeObject {
  const breaker = spec.mesh.circuitBreaker;
  const locality = localityLbSetting(routing);
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: objectMetadata(spec, spec.name),
    spec: {
      host: serviceHost(spec),
      trafficPolicy: {
        ...(locality ? { loadBalancer: { localityLbSetting: locality } } : {}),
        connectionPool: {
          tcp: { maxConnections: breaker.maxConnections },
          http: { http1MaxPendingRequests: breaker.maxPendingRequests },
        },
        outlierDetection: {
          consecutive5xxErrors: breaker.consecutive5xxErrors,
          interval: istioDuration(breaker.intervalSeconds * 1000),
          baseEjectionTime: istioDuration(breaker.baseEjectionSeconds * 1000),
          maxEjectionPercent: breaker.maxEjectionPercent,
        },
      },
      subsets: SUBSETS.map((name) => ({ name, labels: { [LABELS.track]: name } })),
    },
  };
}
