import { EmfTelemetry } from '../adapters/telemetry/emf-telemetry.js';
import { lambdaMetrics } from '../adapters/telemetry/lambda-metrics.js';
import { createApp, type App } from './create-app.js';
import { cloudWatchMetricsSource, stepFunctionsWorkflow } from './optional-aws-clients.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * What each Lambda handler composes beyond the core: the API takes `createCore` alone; the handlers
 * that reach clusters take `createApp`, plus the SDK clients they use and no others. The alarm intake
 * composes the core without clusters (`alarm-intake.ts`).
 */

/** Rollout starters that do not analyse (deploy requests): plus Step Functions. */
export function composeRolloutStarter(config: RuntimeConfig): App {
  return createApp(config, { workflow: stepFunctionsWorkflow(config) });
}

/**
 * Rollout starters that also analyse metrics (the rollout task's `analyze`, the health probe): plus Step
 * Functions, and CloudWatch GetMetricData when METRICS_SOURCE=cloudwatch.
 */
export function composeAnalysingRolloutStarter(config: RuntimeConfig): App {
  return createApp(config, { workflow: stepFunctionsWorkflow(config), metrics: cloudWatchMetricsSource(config), telemetry: new EmfTelemetry(lambdaMetrics()) });
}
