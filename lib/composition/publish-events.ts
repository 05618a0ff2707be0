import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { EventBridgeEventSink } from '../adapters/eventbridge/eventbridge-event-sink.js';
import { EmfTelemetry } from '../adapters/telemetry/emf-telemetry.js';
import { lambdaMetrics } from '../adapters/telemetry/lambda-metrics.js';
import type { PublishAuditEventsDeps } from '../usecases/events/publish-audit-events.js';
import { awsClientConfig, sizedHttpHandler } from './aws-clients.js';
import type { RuntimeConfig } from './runtime-config.js';

/** The publish-events function's dependencies on AWS: the EventBridge bus and EMF metrics. Nothing else. */
export function composePublishEvents(config: RuntimeConfig): PublishAuditEventsDeps {
  if (!config.eventBusName) throw new Error('meshplane is not configured: missing environment variable EVENT_BUS_NAME');
  const client = new EventBridgeClient({ ...awsClientConfig(config, 'eventbridge'), maxAttempts: 3, requestHandler: sizedHttpHandler(8, 2_000, 10_000) });
  return { sink: new EventBridgeEventSink(client, config.eventBusName), telemetry: new EmfTelemetry(lambdaMetrics()) };
}
