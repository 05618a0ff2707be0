/** Observed call rates between services, as the optimizer's traffic matrix takes them. */
import { errorMessage } from '../../errors.js';
import type { ServiceRecord } from '../../model/records.js';
import type { ObservedCall } from '../../placement/traffic.js';
import type { MetricsSource, ServiceCallRate } from '../../ports/metrics-source.js';

/** What the metrics source told about traffic: the calls between registered services, or why none. */
export interface ObservedTraffic {
  calls: ObservedCall[];
  windowSeconds: number;
  /** Set when the source has no per-edge telemetry or the query failed; declared dependencies are used alone. */
  unavailable?: string;
}

/**
 * Keeps the rates whose caller and callee are registered services (matched by name and namespace, so
 * a same-named workload elsewhere does not count) and names them by service (pure).
 */
export function callsBetweenServices(rates: readonly ServiceCallRate[], services: readonly ServiceRecord[]): ObservedCall[] {
  const registered = new Set(services.map((s) => `${s.spec.namespace}/${s.name}`));
  return rates
    .filter((r) => registered.has(`${r.fromNamespace}/${r.from}`) && registered.has(`${r.toNamespace}/${r.to}`))
    .map((r) => ({ from: r.from, to: r.to, rps: r.rps }));
}

/** Reads call rates over the window; never fails the run: without them the declared dependencies stand. */
export async function readObservedTraffic(metrics: MetricsSource, services: readonly ServiceRecord[], windowSeconds: number): Promise<ObservedTraffic> {
  if (!metrics.callRates) return { calls: [], windowSeconds, unavailable: 'the metrics source has no per-edge call rates' };
  try {
    return { calls: callsBetweenServices(await metrics.callRates(windowSeconds), services), windowSeconds };
  } catch (err) {
    return { calls: [], windowSeconds, unavailable: `call rates could not be read: ${errorMessage(err)}` };
  }
}
