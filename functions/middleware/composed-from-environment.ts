import type { Context } from 'aws-lambda';
import type { RuntimeConfig } from '../../lib/composition/runtime-config.js';

/**
 * Like `fromEnvironment`, for a handler that composes only what it uses: `compose` builds its
 * dependencies from the environment on the first invocation (e.g. `createCore` for the API, which then
 * bundles neither the Kubernetes client nor the SDK clients it never calls). `compose` may be async, to
 * import its modules then (the API's cold start loads no SDK client); the environment's parser (zod)
 * is imported then too. A failed composition is tried again by the next invocation.
 */
export function composedFromEnvironment<D, E, R>(
  compose: (config: RuntimeConfig) => D | Promise<D>,
  create: (deps: D) => (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let handler: Promise<(event: E, context: Context) => Promise<R>> | undefined;
  return async (event, context) => {
    handler ??= (async () => {
      const { runtimeConfigFromEnv } = await import('../../lib/composition/runtime-config.js');
      return create(await compose(runtimeConfigFromEnv()));
    })().catch((err: unknown) => {
      handler = undefined;
      throw err;
    });
    return (await handler)(event, context);
  };
}
