import type { Context } from 'aws-lambda';
import { runtimeConfigFromEnv, type RuntimeConfig } from '../../lib/composition/runtime-config.js';

/**
 * Like `fromEnvironment`, for a handler that composes only what it uses: `compose` builds its
 * dependencies from the environment on the first invocation (e.g. `createCore` for the API, which then
 * bundles neither the Kubernetes client nor the SDK clients it never calls).
 */
export function composedFromEnvironment<D, E, R>(
  compose: (config: RuntimeConfig) => D,
  create: (deps: D) => (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let handler: ((event: E, context: Context) => Promise<R>) | undefined;
  return (event, context) => (handler ??= create(compose(runtimeConfigFromEnv())))(event, context);
}
