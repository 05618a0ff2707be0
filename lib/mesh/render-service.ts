/**
 * Renders a registered service into the Kubernetes and Istio objects meshplane applies with
 * server-side apply. Pure: the same spec and context always give the same objects, in the same order,
 * with the same key order.
 */
import type { KubeObject } from '../model/kube-object.js';
import type { ServiceSpec } from '../model/service-spec.js';
import { renderAuthorizationPolicy } from './authorization-policy.js';
import { renderDeployment } from './deployment.js';
import { renderDestinationRule } from './destination-rule.js';
import { renderGateway } from './exposure.js';
import { renderKubeService, renderPreviewService } from './kube-service.js';
import { renderPodDisruptionBudget } from './pod-disruption-budget.js';
import { validateRenderContext, type RenderContext } from './render-context.js';
import { renderServiceAccount } from './service-account.js';
import { renderSidecar } from './sidecar.js';
import { specHash } from './spec-hash.js';
import { renderVirtualService, subsetWeights } from './virtual-service.js';

export type { CanaryWorkload, Placement, PreferredNode, RenderContext, ServiceRef } from './render-context.js';
export { resolveDependencies } from './dependencies.js';
export { kubeQuantityCpu, kubeQuantityMemory, parseCpuMillis, parseMemoryMiB } from './quantities.js';
export { specHash } from './spec-hash.js';

/**
 * The objects for `spec` in `ctx`, in the order they should be applied:
 * 1. ServiceAccount, AuthorizationPolicy and Sidecar before any pod starts, so no pod ever runs without
 *    its identity, accepts calls from services it should not, or starts with the mesh-wide proxy config;
 * 2. DestinationRule before the VirtualService that names its subsets (Istio's make-before-break order);
 * 3. Services, the PodDisruptionBudget (before the pods it protects) and Deployments;
 * 4. an exposed service's Gateway, then the VirtualService last (it names the Gateway), once the canary
 *    pods it may send traffic to have been created.
 * @throws ValidationError when the context is inconsistent (see {@link validateRenderContext}).
 */
export function renderService(spec: ServiceSpec, ctx: RenderContext): KubeObject[] {
  validateRenderContext(ctx);
  const objects: KubeObject[] = [
    renderServiceAccount(spec),
    renderAuthorizationPolicy(spec, ctx.callers),
    renderSidecar(spec, ctx.dependencies),
    renderDestinationRule(spec, ctx.localityRouting),
    renderKubeService(spec, ctx.localityRouting),
  ];
  if (ctx.preview) objects.push(renderPreviewService(spec));
  objects.push(renderPodDisruptionBudget(spec));
  objects.push(
    renderDeployment(spec, {
      track: 'stable',
      image: spec.image,
      replicas: spec.replicas,
      revision: ctx.revision,
      specHash: specHash(spec),
      placement: ctx.placement,
      restartedAt: ctx.restartedAt,
      dependencies: ctx.dependencies,
    }),
  );
  if (ctx.canary) {
    objects.push(
      renderDeployment(spec, {
        track: 'canary',
        image: ctx.canary.image,
        replicas: ctx.canary.replicas,
        revision: ctx.canary.revision,
        // The hash of the spec the canary pods run: this spec with the canary's image.
        specHash: specHash({ ...spec, image: ctx.canary.image }),
        // The optimizer places the stable pods only; canary pods go wherever the scheduler spreads them.
        restartedAt: ctx.restartedAt,
        dependencies: ctx.dependencies,
      }),
    );
  }
  const gateway = renderGateway(spec);
  if (gateway) objects.push(gateway);
  objects.push(renderVirtualService(spec, subsetWeights(ctx.trafficSplit?.canaryWeight)));
  return objects;
}
