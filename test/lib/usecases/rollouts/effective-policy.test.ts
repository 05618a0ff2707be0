import { describe, expect, it } from 'vitest';
import type { DeploymentRecord, ServiceRecord } from '../../../../lib/model/records.js';
import { ServiceSpec } from '../../../../lib/model/service-spec.js';
import { effectivePolicy } from '../../../../lib/usecases/rollouts/effective-policy.js';

describe('effectivePolicy', () => {
  const spec = ServiceSpec.parse({ name: 'a', image: 'a:1', port: 80, rollout: { steps: [{ weight: 50 }, { weight: 100 }] } });
  const service = { spec } as ServiceRecord;
  const deployment = { rolloutOverride: undefined } as unknown as DeploymentRecord;

  it("uses the service's policy when the deployment overrides nothing", () => {
    expect(effectivePolicy(deployment, service).steps.map((s) => s.weight)).toEqual([50, 100]);
  });

  it("uses the deployment's override with defaults filled in", () => {
    const policy = effectivePolicy({ ...deployment, rolloutOverride: { strategy: 'blueGreen', steps: [{ weight: 100 }] } }, service);
    expect(policy.strategy).toBe('blueGreen');
    expect(policy.steps).toEqual([{ weight: 100, pauseSeconds: 60, gate: 'auto', gateTimeoutSeconds: 14_400 }]);
    expect(policy.analysis.minRequests).toBe(50);
  });
});
