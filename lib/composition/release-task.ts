import { PrometheusMetricsSource } from '../adapters/metrics/prometheus-metrics-source.js';
import type { MetricsSource } from '../ports/metrics-source.js';
import type { ReleaseTaskDeps } from '../usecases/releases/release-deps.js';
import { createCore } from './create-core.js';
import { metricsSettingOf, type RuntimeConfig } from './runtime-config.js';

/**
 * What the release task composes: the core (store, queues, clock) and a source of observed call rates for
 * the plan (Prometheus / AMP when configured; otherwise none, and the plan uses declared dependencies
 * alone). No cluster client, no Step Functions, no CloudWatch: a release item is a deploy request.
 */
export function composeReleaseTask(config: RuntimeConfig): ReleaseTaskDeps {
  const setting = metricsSettingOf(config);
  const metrics: MetricsSource =
    setting.source === 'prometheus'
      ? PrometheusMetricsSource.fromOptions({ url: setting.prometheusUrl, sigv4: setting.prometheusUrl.includes('aps-workspaces') ? true : undefined })
      : {
          workloadMetrics: async () => {
            throw new Error('the release task reads call rates only');
          },
        };
  return { ...createCore(config), metrics };
}
