import { ValidationError, type Problem } from '../errors.js';
import { LocalityRouting } from '../model/locality-routing.js';
import { containerImage } from '../model/names.js';
import type { LocalityRoutingContext } from './locality-lb.js';

export type { LocalityRoutingContext } from './locality-lb.js';

/** A service by name and namespace: how one service refers to another in the rendered objects. */
export interface ServiceRef {
  name: string;
  namespace: string;
}

/** A node the placement optimizer would like the stable pods on, and how much (1–100). */
export interface PreferredNode {
  node: string;
  weight: number;
}

/** Where the placement optimizer wants the stable pods; becomes node affinity on the pod template. */
export interface Placement {
  /** Pods may only run on these nodes (by `kubernetes.io/hostname`). */
  requiredNodes?: string[];
  /** Pods must not run on these nodes (remediation moved them off a failing node or zone). */
  avoidNodes?: string[];
  /** Pods prefer these nodes; the scheduler adds `weight` to a node's score. */
  preferredNodes?: PreferredNode[];
}

/** The new version being rolled out next to the stable one. */
export interface CanaryWorkload {
  image: string;
  replicas: number;
  /** Revision number of the spec the canary runs. */
  revision: number;
}

/** Everything about a service's surroundings that its rendered objects depend on, besides its spec. */
export interface RenderContext {
  /** The service's revision number: the revision annotation, and the `version` label `r<revision>`. */
  revision: number;
  /** Services that declare a dependency on this one: the only principals its AuthorizationPolicy allows. */
  callers: ServiceRef[];
  /**
   * The resolved namespaces of `spec.dependencies` (Sidecar egress). Names not registered yet still
   * appear, in the service's own namespace; {@link resolveDependencies} builds this list.
   */
  dependencies: ServiceRef[];
  /** Percent of traffic the VirtualService sends to the canary subset (default 0). */
  trafficSplit?: { canaryWeight: number };
  /** Present while a rollout runs: renders a `<name>-canary` Deployment with `track: canary`. */
  canary?: CanaryWorkload;
  /** Blue/green: also render a `<name>-preview` Service that selects the canary pods. */
  preview?: boolean;
  /** Node affinity for the stable pod template, from the placement optimizer. */
  placement?: Placement;
  /** Sets the restarted-at annotation on the pod templates, which restarts their pods. */
  restartedAt?: string;
  /**
   * How callers spread calls to this service over zones (the optimizer's routing decision, or the spec's
   * `mesh.localityRouting`): the DestinationRule's locality settings and the Service's trafficDistribution.
   * Absent: neither is rendered, and the mesh's default applies.
   */
  localityRouting?: LocalityRoutingContext;
}

const isWholeNumber = (n: number, min: number, max = Number.MAX_SAFE_INTEGER): boolean => Number.isInteger(n) && n >= min && n <= max;

/**
 * Checks the parts of a context the schema of the spec cannot: numbers in range, and no traffic sent
 * to a canary subset that has no pods (every request routed there would fail with a 503).
 * @throws ValidationError listing every problem found.
 */
export function validateRenderContext(ctx: RenderContext): void {
  const problems: Problem[] = [];
  if (!isWholeNumber(ctx.revision, 1)) problems.push({ path: 'revision', message: 'must be a whole number of at least 1' });

  const weight = ctx.trafficSplit?.canaryWeight;
  if (weight !== undefined) {
    if (!isWholeNumber(weight, 0, 100)) problems.push({ path: 'trafficSplit.canaryWeight', message: 'must be a whole number from 0 to 100' });
    else if (weight > 0 && !ctx.canary)
      problems.push({ path: 'trafficSplit.canaryWeight', message: `is ${weight} but no canary is running, so the canary subset has no endpoints` });
  }

  if (ctx.canary) {
    if (!isWholeNumber(ctx.canary.replicas, 0, 1_000)) problems.push({ path: 'canary.replicas', message: 'must be a whole number from 0 to 1000' });
    if (!isWholeNumber(ctx.canary.revision, 1)) problems.push({ path: 'canary.revision', message: 'must be a whole number of at least 1' });
    const image = containerImage.safeParse(ctx.canary.image);
    if (!image.success) problems.push({ path: 'canary.image', message: image.error.issues[0].message });
  }

  const preferred = ctx.placement?.preferredNodes ?? [];
  const seen = new Set<string>();
  preferred.forEach((p, i) => {
    // Kubernetes accepts preferred scheduling term weights 1–100 only.
    if (!isWholeNumber(p.weight, 1, 100)) problems.push({ path: `placement.preferredNodes.${i}.weight`, message: 'must be a whole number from 1 to 100' });
    if (seen.has(p.node)) problems.push({ path: `placement.preferredNodes.${i}.node`, message: `duplicate node "${p.node}"` });
    seen.add(p.node);
  });
  (ctx.placement?.requiredNodes ?? []).forEach((node, i) => {
    if (node.length === 0) problems.push({ path: `placement.requiredNodes.${i}`, message: 'must not be empty' });
  });

  if (ctx.localityRouting) {
    const routing = LocalityRouting.safeParse(ctx.localityRouting);
    if (!routing.success)
      for (const issue of routing.error.issues) problems.push({ path: ['localityRouting', ...issue.path].join('.'), message: issue.message });
    else if (routing.data.mode === 'distribute' && !routing.data.distribute?.length)
      problems.push({ path: 'localityRouting.distribute', message: 'a distribute routing needs at least one zone distribution' });
  }

  if (problems.length > 0) throw new ValidationError(problems, 'the render context is not valid');
}
