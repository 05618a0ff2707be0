import type { Context } from 'aws-lambda';
import { runtimeConfigFromEnv, type RuntimeConfig } from '../../lib/composition/runtime-config.js';
import { observed } from './observability.js';

/**
 * Like `fromEnvironment`, for a handler that composes only what it uses: `compose` builds its
 * dependencies from the environment on the first invocation (e.g. `createCore` for the API, which then
 * bundles neither the Kubernetes client nor the SDK clients it never calls). Logs and metrics as
 * `observed` sets them up.
 */
export function composedFromEnvironment<D, E, R>(
  compose: (config: RuntimeConfig) => D,
  create: (deps: D) => (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  let handler: ((event: E, context: Context) => Promise<R>) | undefined;
  return observed(functionName(), (event, context) => (handler ??= create(compose(runtimeConfigFromEnv())))(event, context));
}

/** The function's name in logs and metrics: its catalog id (`POWERTOOLS_SERVICE_NAME`, set by the stack). */
export function functionName(env: NodeJS.ProcessEnv = process.env): string {
  return env.POWERTOOLS_SERVICE_NAME || env.AWS_LAMBDA_FUNCTION_NAME || 'meshplane';
}
