import { Metrics } from '@aws-lambda-powertools/metrics';

let shared: Metrics | undefined;

/**
 * The function's one Powertools Metrics instance (namespace `POWERTOOLS_METRICS_NAMESPACE`, service
 * `POWERTOOLS_SERVICE_NAME`, both set by the stack): the telemetry adapter adds to it and the handler's
 * metrics middleware flushes it at the end of each invocation.
 */
export function lambdaMetrics(): Metrics {
  return (shared ??= new Metrics());
}
