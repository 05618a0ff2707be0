import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CloudWatchMetricsSource } from '../adapters/metrics/cloudwatch-metrics-source.js';
import { StepFunctionsRolloutWorkflow } from '../adapters/stepfunctions/step-functions-rollout-workflow.js';
import { StepFunctionsReleaseWorkflow } from '../adapters/stepfunctions/step-functions-release-workflow.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import type { ReleaseWorkflow } from '../ports/release-workflow.js';
import type { RolloutWorkflow } from '../ports/rollout-workflow.js';
import { awsClientConfig, DEFAULT_CLIENT_SIZING, sizedHttpHandler, type ClientSizing } from './aws-clients.js';
import { metricsSettingOf, type RuntimeConfig } from './runtime-config.js';

/**
 * The SDK clients only some handlers use, each composed by those handlers alone (see `handlers.ts`),
 * so the others do not bundle them.
 */

/** The rollout state machine, when STATE_MACHINE_ARN names it (rollout starters). */
export function stepFunctionsWorkflow(config: RuntimeConfig): RolloutWorkflow | undefined {
  return config.stateMachineArn ? new StepFunctionsRolloutWorkflow(createSfnClient(config), config.stateMachineArn) : undefined;
}

/** The release train state machine, when RELEASE_STATE_MACHINE_ARN names it (release starters). */
export function stepFunctionsReleaseWorkflow(config: RuntimeConfig): ReleaseWorkflow | undefined {
  return config.releaseStateMachineArn ? new StepFunctionsReleaseWorkflow(createSfnClient(config), config.releaseStateMachineArn) : undefined;
}

/**
 * CloudWatch GetMetricData, when METRICS_SOURCE=cloudwatch selects it (the handlers that analyse);
 * undefined otherwise, and `createApp` builds the source the setting names.
 */
export function cloudWatchMetricsSource(config: RuntimeConfig): MetricsSource | undefined {
  const setting = metricsSettingOf(config);
  if (setting.source !== 'cloudwatch') return undefined;
  const client = new CloudWatchClient({
    ...awsClientConfig(config, 'cloudwatch'),
    maxAttempts: 3,
    requestHandler: sizedHttpHandler(16, DEFAULT_CLIENT_SIZING.connectionTimeoutMs, DEFAULT_CLIENT_SIZING.readTimeoutMs),
  });
  return new CloudWatchMetricsSource({ config: setting.cloudWatch, client });
}

export function createSfnClient(config: RuntimeConfig, sizing: ClientSizing = {}): SFNClient {
  return new SFNClient({
    ...awsClientConfig(config, 'stepfunctions'),
    maxAttempts: 5,
    requestHandler: sizedHttpHandler(
      sizing.concurrency ?? 16,
      sizing.connectionTimeoutMs ?? DEFAULT_CLIENT_SIZING.connectionTimeoutMs,
      sizing.requestTimeoutMs ?? DEFAULT_CLIENT_SIZING.readTimeoutMs,
    ),
  });
}
