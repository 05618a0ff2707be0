import type { Context } from 'aws-lambda';
import { createApp, type App } from '../../lib/composition/create-app.js';
import { runtimeConfigFromEnv } from '../../lib/composition/runtime-config.js';
import { functionName } from './composed-from-environment.js';
import { observed } from './observability.js';

/**
 * The Lambda entry point for a handler factory: the app is built from the environment on the first
 * invocation (not at import, so a misconfigured function fails with a clear message in its log rather
 * than at init) and reused while the container lives. The local runtime calls the factories directly.
 */
export function fromEnvironment<E, R>(create: (app: App) => (event: E, context: Context) => Promise<R>): (event: E, context: Context) => Promise<R> {
  let handler: ((event: E, context: Context) => Promise<R>) | undefined;
  return observed(functionName(), (event, context) => (handler ??= create(createApp(runtimeConfigFromEnv())))(event, context));
}
