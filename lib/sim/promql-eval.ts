/**
 * Evaluates parsed PromQL at one instant over counter series: matchers, increase/rate over a range,
 * sum by/without, and histogram_quantile with Prometheus' linear interpolation inside a bucket.
 */
import { PromQlError, type LabelMatcher, type PromQlExpr } from './promql.js';
import type { CounterSeries } from './workload-telemetry.js';

/** One element of an instant vector. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

export type EvalResult = { type: 'scalar'; value: number } | { type: 'vector'; samples: Sample[] };

function matches(m: LabelMatcher, labels: Record<string, string>): boolean {
  const actual = labels[m.name] ?? '';
  switch (m.op) {
    case '=':
      return actual === m.value;
    case '!=':
      return actual !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(actual);
    case '!~':
      return !new RegExp(`^(?:${m.value})$`).test(actual);
  }
}

function withoutName(labels: Record<string, string>): Record<string, string> {
  const { __name__: _n, ...rest } = labels;
  return rest;
}

/** Evaluates `expr` at time `nowMs` over `series`. */
export function evaluate(expr: PromQlExpr, series: readonly CounterSeries[], nowMs: number): EvalResult {
  switch (expr.type) {
    case 'number':
      return { type: 'scalar', value: expr.value };
    case 'selector': {
      if (expr.rangeSeconds !== undefined) throw new PromQlError('a range vector must be the argument of rate() or increase()');
      const selected = select(expr, series);
      return { type: 'vector', samples: selected.map((s) => ({ labels: s.labels, value: s.valueAt(nowMs) })) };
    }
    case 'call':
      return evaluateCall(expr, series, nowMs);
    case 'aggregate': {
      const inner = evaluate(expr.expr, series, nowMs);
      if (inner.type !== 'vector') throw new PromQlError('sum() expects an instant vector');
      const groups = new Map<string, Sample>();
      for (const s of inner.samples) {
        const labels = groupLabels(s.labels, expr.grouping);
        const key = JSON.stringify(Object.entries(labels).sort());
        const g = groups.get(key);
        if (g) g.value += s.value;
        else groups.set(key, { labels, value: s.value });
      }
      return { type: 'vector', samples: [...groups.values()] };
    }
  }
}

function select(expr: Extract<PromQlExpr, { type: 'selector' }>, series: readonly CounterSeries[]): CounterSeries[] {
  // Equality matchers narrow the scan to the fewest series carrying one of their values (see candidates).
  let pool: readonly CounterSeries[] = series;
  for (const m of expr.matchers) {
    if (m.op !== '=' || m.value === '') continue;
    const narrowed = candidates(series, expr.metric, m.name, m.value);
    if (narrowed.length < pool.length) pool = narrowed;
  }
  return pool.filter((s) => s.labels.__name__ === expr.metric && expr.matchers.every((m) => matches(m, s.labels)));
}

/**
 * The series of `metric` whose label `label` equals `value`, from an index of the list built on the first
 * such question (per metric and label) and kept while the list lives. The simulated cluster hands the
 * same list to every query until a workload comes or goes, so the health probe's queries (a few per
 * service) each cost their answer instead of a pass over every series of the cluster.
 */
function candidates(series: readonly CounterSeries[], metric: string, label: string, value: string): readonly CounterSeries[] {
  let byLabel = seriesIndexes.get(series);
  if (!byLabel) seriesIndexes.set(series, (byLabel = new Map()));
  const key = `${metric}\u0000${label}`;
  let byValue = byLabel.get(key);
  if (!byValue) {
    byValue = new Map();
    for (const s of series) {
      const v = s.labels[label];
      if (s.labels.__name__ !== metric || v === undefined) continue;
      const list = byValue.get(v);
      if (list) list.push(s);
      else byValue.set(v, [s]);
    }
    byLabel.set(key, byValue);
  }
  return byValue.get(value) ?? [];
}

const seriesIndexes = new WeakMap<readonly CounterSeries[], Map<string, Map<string, CounterSeries[]>>>();

function groupLabels(labels: Record<string, string>, grouping: { mode: 'by' | 'without'; labels: string[] } | undefined): Record<string, string> {
  if (!grouping) return {};
  if (grouping.mode === 'by') return Object.fromEntries(grouping.labels.filter((l) => labels[l] !== undefined).map((l) => [l, labels[l]]));
  return Object.fromEntries(Object.entries(withoutName(labels)).filter(([k]) => !grouping.labels.includes(k)));
}

function evaluateCall(expr: Extract<PromQlExpr, { type: 'call' }>, series: readonly CounterSeries[], nowMs: number): EvalResult {
  if (expr.func === 'increase' || expr.func === 'rate') {
    const arg = expr.args[0];
    if (expr.args.length !== 1 || arg.type !== 'selector' || arg.rangeSeconds === undefined) throw new PromQlError(`${expr.func}() expects one range vector`);
    const window = arg.rangeSeconds;
    const samples = select(arg, series).map((s) => {
      const start = nowMs - window * 1000;
      const increase = Math.max(0, s.increase ? s.increase(start, nowMs) : s.valueAt(nowMs) - s.valueAt(start));
      return { labels: withoutName(s.labels), value: expr.func === 'rate' ? increase / window : increase };
    });
    return { type: 'vector', samples };
  }
  if (expr.args.length !== 2) throw new PromQlError('histogram_quantile() expects a quantile and a vector');
  const q = evaluate(expr.args[0], series, nowMs);
  const v = evaluate(expr.args[1], series, nowMs);
  if (q.type !== 'scalar' || v.type !== 'vector') throw new PromQlError('histogram_quantile() expects a scalar and an instant vector');
  return { type: 'vector', samples: histogramQuantile(q.value, v.samples) };
}

/** Prometheus' histogram_quantile over bucket samples grouped by their labels other than `le`. */
export function histogramQuantile(q: number, buckets: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Record<string, string>; buckets: { le: number; count: number }[] }>();
  for (const b of buckets) {
    if (b.labels.le === undefined) continue;
    const { le, ...labels } = b.labels;
    const key = JSON.stringify(Object.entries(labels).sort());
    const group = groups.get(key) ?? { labels, buckets: [] };
    group.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: b.value });
    groups.set(key, group);
  }
  const out: Sample[] = [];
  for (const { labels, buckets: list } of groups.values()) {
    list.sort((a, b) => a.le - b.le);
    const total = list[list.length - 1];
    if (!total || total.le !== Infinity || total.count <= 0 || list.length < 2) continue;
    if (q < 0 || q > 1) {
      out.push({ labels, value: q < 0 ? -Infinity : Infinity });
      continue;
    }
    const rank = q * total.count;
    const index = list.findIndex((b) => b.count >= rank);
    if (index === list.length - 1) {
      out.push({ labels, value: list[list.length - 2].le });
      continue;
    }
    const lower = index === 0 ? 0 : list[index - 1].le;
    const lowerCount = index === 0 ? 0 : list[index - 1].count;
    const bucket = list[index];
    const value = bucket.count === lowerCount ? lower : lower + ((bucket.le - lower) * (rank - lowerCount)) / (bucket.count - lowerCount);
    out.push({ labels, value });
  }
  return out;
}
