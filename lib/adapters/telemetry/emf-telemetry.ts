import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricCount, Telemetry } from '../../ports/telemetry.js';

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit } as const;

/**
 * Counters as CloudWatch embedded metric format (Powertools Metrics): written to the function's log,
 * turned into metrics by CloudWatch without an API call. A counter with dimensions is flushed at once as
 * its own EMF document (its dimensions are its own); the rest are flushed by the handler's metrics
 * middleware at the end of the invocation, in the function's namespace (`POWERTOOLS_METRICS_NAMESPACE`).
 */
export class EmfTelemetry implements Telemetry {
  constructor(private readonly metrics: Metrics) {}

  count(metric: MetricCount): void {
    const unit = UNITS[metric.unit ?? 'Count'];
    if (!metric.dimensions || Object.keys(metric.dimensions).length === 0) {
      this.metrics.addMetric(metric.name, unit, metric.value);
      return;
    }
    const single = this.metrics.singleMetric();
    single.addDimensions(metric.dimensions);
    single.addMetric(metric.name, unit, metric.value);
  }
}
