import type { MetricCount, Telemetry } from '../ports/telemetry.js';

/**
 * The local runtime's counters, served by `GET /metrics` in the Prometheus text format (0.0.4): the
 * same counters the functions write as CloudWatch metrics on AWS, named `meshplane_<snake_case>` with
 * `_total` for counts. Millisecond values become a `_ms` gauge holding the latest value and a `_ms_max`.
 */
export class PrometheusTelemetry implements Telemetry {
  private readonly series = new Map<string, { name: string; labels: string; value: number; kind: 'counter' | 'gauge' }>();

  count(metric: MetricCount): void {
    const counter = (metric.unit ?? 'Count') === 'Count';
    const base = `meshplane_${snake(metric.name)}`;
    const labels = renderLabels(metric.dimensions);
    if (counter) {
      this.add(`${base}_total`, labels, metric.value, 'counter', (a, b) => a + b);
      return;
    }
    this.add(base, labels, metric.value, 'gauge', (_, b) => b);
    this.add(`${base}_max`, labels, metric.value, 'gauge', Math.max);
  }

  /** The exposition text, metrics sorted by name, each with its TYPE line. */
  render(): string {
    const byName = new Map<string, { labels: string; value: number; kind: string }[]>();
    for (const s of this.series.values()) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
    const lines: string[] = [];
    for (const name of [...byName.keys()].sort()) {
      const entries = byName.get(name)!;
      lines.push(`# TYPE ${name} ${entries[0].kind}`);
      for (const e of entries.sort((a, b) => a.labels.localeCompare(b.labels))) lines.push(`${name}${e.labels} ${e.value}`);
    }
    return `${lines.join('\n')}\n`;
  }

  private add(name: string, labels: string, value: number, kind: 'counter' | 'gauge', merge: (a: number, b: number) => number): void {
    const key = `${name}${labels}`;
    const prior = this.series.get(key);
    this.series.set(key, { name, labels, kind, value: prior ? merge(prior.value, value) : value });
  }
}

/** `RolloutsRolledBack` → `rollouts_rolled_back`; `QueueAgeMs` → `queue_age_ms`. */
export function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase();
}

function renderLabels(dimensions: Record<string, string> | undefined): string {
  const entries = Object.entries(dimensions ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k.replace(/[^a-zA-Z0-9_]/g, '_')}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
