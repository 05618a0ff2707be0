/**
 * The simulated cluster's load balancer controller, standing in for the AWS Load Balancer Controller:
 * every Service of `type: LoadBalancer` gets an external address in `status.loadBalancer.ingress` (an NLB
 * host name shaped like AWS's, `k8s-<ns>-<name>-<hash>.elb.<region>.amazonaws.com`, deterministic per
 * Service uid), and a Service that is no longer a LoadBalancer loses it. `internal` NLBs get the
 * `internal-` prefix AWS gives them.
 */
import { createHash } from 'node:crypto';
import type { ObjectStore } from './object-store.js';
import { resourceType } from './resource-types.js';
import type { KubeObj } from './sim-types.js';

type Obj = Record<string, any>;

const SERVICES = resourceType('services');
const SCHEME_ANNOTATION = 'service.beta.kubernetes.io/aws-load-balancer-scheme';
/** The region in the simulated NLB host names. */
export const SIM_LOAD_BALANCER_REGION = 'us-east-1';

/** The NLB host name the simulated controller gives a Service. Pure. */
export function loadBalancerHostname(service: Pick<KubeObj, 'metadata'>): string {
  const { namespace = 'default', name, uid = '' } = service.metadata;
  const hash = createHash('sha256').update(`${namespace}/${name}/${uid}`).digest('hex');
  // AWS truncates the generated name parts to keep the load balancer name within 32 characters.
  const lbName = `k8s-${namespace.slice(0, 8)}-${name.slice(0, 8)}-${hash.slice(0, 10)}`;
  const internal = service.metadata.annotations?.[SCHEME_ANNOTATION] === 'internal' ? 'internal-' : '';
  return `${internal}${lbName}-${hash.slice(10, 26)}.elb.${SIM_LOAD_BALANCER_REGION}.amazonaws.com`;
}

export class LoadBalancerController {
  constructor(private readonly store: ObjectStore) {}

  reconcile(): void {
    for (const service of this.store.scan(SERVICES)) {
      const spec = (service.spec ?? {}) as Obj;
      const status = (service.status ?? {}) as Obj;
      const current: Obj[] = status.loadBalancer?.ingress ?? [];
      if (spec.type === 'LoadBalancer') {
        const hostname = loadBalancerHostname(service);
        if (current.length === 1 && current[0].hostname === hostname) continue;
        this.store.update(SERVICES, { ...service, status: { ...status, loadBalancer: { ingress: [{ hostname }] } } } as KubeObj);
      } else if (current.length > 0) {
        this.store.update(SERVICES, { ...service, status: { ...status, loadBalancer: {} } } as KubeObj);
      }
    }
  }
}
