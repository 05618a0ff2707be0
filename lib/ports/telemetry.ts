/** One counter increment: a metric name, an amount and its dimensions (labels). */
export interface MetricCount {
  name: string;
  value: number;
  /** Low-cardinality labels only (an action, a verdict, a service): each combination is its own series. */
  dimensions?: Record<string, string>;
  /** CloudWatch unit; `Count` when absent. */
  unit?: 'Count' | 'Milliseconds' | 'None';
}

/** Counters of what the control plane did: CloudWatch metrics (EMF) on AWS, Prometheus text locally. */
export interface Telemetry {
  count(metric: MetricCount): void;
}
