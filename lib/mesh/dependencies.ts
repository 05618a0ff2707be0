/** The declared call graph, as rendered objects need it. */
import type { Dependency, ServiceSpec } from '../model/service-spec.js';
import type { ServiceRef } from './render-context.js';

/**
 * The value of the dependencies annotation: JSON `[{service, rps}]`, sorted by service because the
 * order in which dependencies are declared means nothing.
 */
export function dependenciesAnnotation(dependencies: readonly Dependency[]): string {
  const sorted = [...dependencies].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  return JSON.stringify(sorted.map((d) => ({ service: d.service, rps: d.rps })));
}

/**
 * Resolves the namespace of each of `spec`'s dependencies among the `registered` services, for
 * {@link RenderContext.dependencies}. A name registered in the service's own namespace wins; otherwise
 * the first namespace in alphabetical order that has it; a name not registered yet is assumed to live
 * in the service's own namespace, so its egress is already open when it is registered there.
 */
export function resolveDependencies(spec: Pick<ServiceSpec, 'namespace' | 'dependencies'>, registered: readonly ServiceRef[]): ServiceRef[] {
  const namespacesByName = new Map<string, string[]>();
  for (const ref of registered) namespacesByName.set(ref.name, [...(namespacesByName.get(ref.name) ?? []), ref.namespace]);
  return spec.dependencies.map((dep) => {
    const namespaces = namespacesByName.get(dep.service) ?? [];
    const namespace = namespaces.includes(spec.namespace) || namespaces.length === 0 ? spec.namespace : [...namespaces].sort()[0];
    return { name: dep.service, namespace };
  });
}
