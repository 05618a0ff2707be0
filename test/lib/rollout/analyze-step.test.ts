import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../lib/errors.js';
import { AnalysisPolicy } from '../../../lib/model/service-spec.js';
import type { MetricsSource, WorkloadMetrics } from '../../../lib/ports/metrics-source.js';
import { analyzeStep } from '../../../lib/rollout/analyze-step.js';
import type { AnalyzeRequest } from '../../../lib/model/rollout-task-contract.js';

/** An in-memory MetricsSource: metrics per `namespace/workload`, recording the windows asked for. */
class FixedMetrics implements MetricsSource {
  readonly asked: string[] = [];
  constructor(private readonly byWorkload: Record<string, WorkloadMetrics>) {}
  async workloadMetrics(namespace: string, workload: string, windowSeconds: number): Promise<WorkloadMetrics> {
    this.asked.push(`${namespace}/${workload}@${windowSeconds}s`);
    const m = this.byWorkload[`${namespace}/${workload}`];
    if (!m) throw new TransientError(`no metrics for ${namespace}/${workload}`);
    return m;
  }
}

function request(overrides: Partial<AnalyzeRequest> = {}): AnalyzeRequest {
  return {
    action: 'analyze',
    deploymentId: 'dep-1',
    service: 'cart',
    namespace: 'shop',
    track: 'canary',
    phase: 'step',
    stepIndex: 0,
    weight: 10,
    observedSeconds: 30,
    stepCount: 1,
    minObservedSeconds: 60,
    gate: 'auto',
    gateTimeoutSeconds: 14_400,
    analysis: AnalysisPolicy.parse({ intervalSeconds: 20 }),
    ...overrides,
  };
}

describe('analyzeStep', () => {
  it('judges <service>-canary against <service> over one analysis interval', async () => {
    const metrics = new FixedMetrics({
      'shop/cart-canary': { requests: 300, errors: 9, errorRate: 0.03, p99LatencyMs: 120 },
      'shop/cart': { requests: 2700, errors: 3, errorRate: 3 / 2700, p99LatencyMs: Infinity },
    });
    const result = await analyzeStep(metrics, request());
    expect(metrics.asked.sort()).toEqual(['shop/cart-canary@20s', 'shop/cart@20s']);
    expect(result.verdict).toBe('fail');
    expect(result.canary).toEqual({ requests: 300, errors: 9, errorRate: 0.03, p99LatencyMs: 120 });
    expect(result.stable.p99LatencyMs).toBeNull(); // JSON-safe
  });

  it('reads the preview workload for blue/green; too few requests are inconclusive (decideStep counts them)', async () => {
    const metrics = new FixedMetrics({
      'shop/cart-preview': { requests: 3, errors: 0, errorRate: 0, p99LatencyMs: 40 },
      'shop/cart': { requests: 900, errors: 0, errorRate: 0, p99LatencyMs: 50 },
    });
    const policy = AnalysisPolicy.parse({ maxInconclusive: 4 });
    expect((await analyzeStep(metrics, request({ track: 'preview', analysis: policy }))).verdict).toBe('inconclusive');
    expect(metrics.asked.sort()).toEqual(['shop/cart-preview@30s', 'shop/cart@30s']);
  });

  it('lets metrics-source errors through for the state machine to retry', async () => {
    await expect(analyzeStep(new FixedMetrics({}), request())).rejects.toBeInstanceOf(TransientError);
  });
});
