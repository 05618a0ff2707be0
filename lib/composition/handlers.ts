import { createApp, type App } from './create-app.js';
import { cloudWatchAlarmTags, cloudWatchMetricsSource, stepFunctionsWorkflow } from './optional-aws-clients.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * What each Lambda handler composes beyond the core: the API takes `createCore` alone; the handlers
 * that reach clusters take `createApp`, plus the SDK clients they use and no others.
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
  return createApp(config, { workflow: stepFunctionsWorkflow(config), metrics: cloudWatchMetricsSource(config) });
}

/** The alarm intake: plus CloudWatch alarm tags (the third way an alarm names its service). */
export function composeAlarmIntake(config: RuntimeConfig): App {
  return createApp(config, { alarmTags: cloudWatchAlarmTags(config) });
}
