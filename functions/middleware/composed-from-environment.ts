import type { Context } from 'aws-lambda';
import type { RuntimeConfig } from '../../lib/composition/runtime-config.js';

/**
 * Like `fromEnvironment`, for a handler that composes only what it uses: `compose` builds its
 * dependencies from the environment on the first invocation (e.g. `createCore` for the API, which then
 * bundles neither the Kubernetes client nor the SDK clients it never calls). `compose` may be async, to
 * import its modules then (the API's cold start loads no SDK client); the environment's parser (zod)
 * and the logs and metrics `observed` sets up are imported then too. A failed composition is tried
 * again by the next invocation.
 */
export function composedFromEnvironment<D, E, R>(
  compose: (config: RuntimeConfig) => D | Promise<D>,
  create: (deps: D) => (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let handler: Promise<(event: E, context: Context) => Promise<R>> | undefined;
  return async (event, context) => {
    handler ??= (async () => {
      const [{ runtimeConfigFromEnv }, { observed }] = await Promise.all([import('../../lib/composition/runtime-config.js'), import('./observability.js')]);
      return observed(functionName(), create(await compose(runtimeConfigFromEnv())));
    })().catch((err: unknown) => {
      handler = undefined;
      throw err;
    });
    return (await handler)(event, context);
  };
}

/** The function's name in logs and metrics: its catalog id (`POWERTOOLS_SERVICE_NAME`, set by the stack). */
export function functionName(env: NodeJS.ProcessEnv = process.env): string {
  return env.POWERTOOLS_SERVICE_NAME || env.AWS_LAMBDA_FUNCTION_NAME || 'meshplane';
}
