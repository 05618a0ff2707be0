import { describe, expect, it } from 'vitest';
import { DEFAULT_CANARY_STEPS, ServiceSpec } from '../../../lib/model/service-spec.js';
import { minimalInput, orderServiceInput } from '../../support/service-specs.js';

/** Issues as `path: message` lines, the way the API reports them. */
function problems(input: unknown): string[] {
  const result = ServiceSpec.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('ServiceSpec defaults', () => {
  it('fills in every default of a minimal spec', () => {
    const spec = ServiceSpec.parse({ name: 'user-service', image: 'shop/user:1', port: 8080 });
    expect(spec).toMatchObject({
      name: 'user-service',
      namespace: 'default',
      image: 'shop/user:1',
      port: 8080,
      servicePort: 80,
      replicas: 2,
      resources: { cpu: 100, memory: 128 },
      dependencies: [],
      env: {},
      mesh: {
        timeoutMs: 5_000,
        retries: { attempts: 2, perTryTimeoutMs: 2_000, retryOn: '5xx,reset,connect-failure,refused-stream' },
        circuitBreaker: { consecutive5xxErrors: 5, intervalSeconds: 10, baseEjectionSeconds: 30, maxEjectionPercent: 50 },
      },
    });
    expect(spec.rollout.strategy).toBe('canary');
    expect(spec.rollout.steps.map((s) => s.weight)).toEqual([10, 25, 50, 100]);
    expect(spec.rollout.analysis).toMatchObject({ maxErrorRate: 0.01, minRequests: 50, intervalSeconds: 30 });
    expect(spec.cluster).toBeUndefined();
    expect(spec.resources.cpuLimit).toBeUndefined();
  });

  it('fills defaults inside partially given nested objects', () => {
    const spec = ServiceSpec.parse(minimalInput('svc', { resources: { cpu: 250 }, rollout: { steps: [{ weight: 50 }, { weight: 100, gate: 'manual' }] } }));
    expect(spec.resources).toEqual({ cpu: 250, memory: 128 });
    expect(spec.rollout.steps).toEqual([
      { weight: 50, pauseSeconds: 60, gate: 'auto', gateTimeoutSeconds: 14_400 },
      { weight: 100, pauseSeconds: 60, gate: 'manual', gateTimeoutSeconds: 14_400 },
    ]);
  });

  it('keeps given values over defaults', () => {
    const spec = ServiceSpec.parse(orderServiceInput);
    expect(spec.replicas).toBe(3);
    expect(spec.port).toBe(8081);
    expect(spec.dependencies).toEqual([{ service: 'user-service', rps: 50 }]);
  });

  it('parsing a parsed spec changes nothing (the stored spec is a fixed point)', () => {
    const once = ServiceSpec.parse(orderServiceInput);
    expect(ServiceSpec.parse(once)).toEqual(once);
  });

  // zod 4 only shallow-clones `.default(value)`: the defaults must be factories, or every parsed spec
  // would share (and could corrupt) the nested default objects.
  it('parsed specs do not share nested default objects', () => {
    const a = ServiceSpec.parse(minimalInput('a'));
    const b = ServiceSpec.parse(minimalInput('b'));
    const before = a.rollout.analysis.maxErrorRate;
    try {
      a.rollout.analysis.maxErrorRate = 0.5;
      expect(b.rollout.analysis.maxErrorRate).toBe(before);
      expect(DEFAULT_CANARY_STEPS[0]).not.toBe(a.rollout.steps[0]);
    } finally {
      a.rollout.analysis.maxErrorRate = before;
    }
  });
});

describe('ServiceSpec problems', () => {
  it('reports every problem at once, each with its field path', () => {
    const found = problems({
      name: 'Bad_Name',
      image: 'has space',
      port: 70_000,
      replicas: -1,
      resources: { cpu: 0 },
      env: { 'BAD-NAME': 'x' },
    });
    const paths = found.map((p) => p.split(':')[0]).sort();
    expect(paths).toEqual(['env.BAD-NAME', 'image', 'name', 'port', 'replicas', 'resources.cpu'].sort());
  });

  it('reports missing required fields by name', () => {
    expect(
      problems({})
        .map((p) => p.split(':')[0])
        .sort(),
    ).toEqual(['image', 'name', 'port']);
  });

  it.each([
    { what: 'port as a string', input: { port: '8080' }, path: 'port' },
    { what: 'fractional replicas', input: { replicas: 1.5 }, path: 'replicas' },
    { what: 'dependencies not an array', input: { dependencies: {} }, path: 'dependencies' },
    { what: 'negative rps', input: { dependencies: [{ service: 'x', rps: -1 }] }, path: 'dependencies.0.rps' },
    { what: 'probe path without slash', input: { probes: { readiness: { path: 'ready' } } }, path: 'probes.readiness.path' },
    { what: 'unknown strategy', input: { rollout: { strategy: 'yolo' } }, path: 'rollout.strategy' },
    { what: 'error rate above 1', input: { rollout: { analysis: { maxErrorRate: 2 } } }, path: 'rollout.analysis.maxErrorRate' },
    { what: 'cpu limit below request', input: { resources: { cpu: 500, cpuLimit: 100 } }, path: 'resources.cpuLimit' },
    { what: 'memory limit below request', input: { resources: { memory: 512, memoryLimit: 256 } }, path: 'resources.memoryLimit' },
  ])('rejects $what at $path', ({ input, path }) => {
    const found = problems({ ...minimalInput('svc'), ...input });
    expect(found.map((p) => p.split(':')[0])).toEqual([path]);
  });
});

describe('ServiceSpec names are DNS-1123 labels', () => {
  it.each(['a', 'user-service', '0abc', 'a1-b2-c3', 'x'.repeat(63)])('accepts %s', (name) => {
    expect(problems(minimalInput(name))).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['upper case', 'User'],
    ['leading dash', '-a'],
    ['trailing dash', 'a-'],
    ['underscore', 'a_b'],
    ['dot', 'a.b'],
    ['64 characters', 'x'.repeat(64)],
    ['non-ASCII', 'sérvice'],
  ])('rejects %s', (_what, name) => {
    const found = problems(minimalInput(name));
    expect(found.length).toBeGreaterThan(0);
    expect(found.every((p) => p.startsWith('name:'))).toBe(true);
  });

  it('applies the same rule to namespaces, clusters and dependency names', () => {
    const found = problems(minimalInput('svc', { namespace: 'Prod', cluster: 'eu_west', dependencies: [{ service: 'Users', rps: 1 }] }));
    expect(found.map((p) => p.split(':')[0]).sort()).toEqual(['cluster', 'dependencies.0.service', 'namespace']);
  });
});

describe('ServiceSpec dependencies', () => {
  it('rejects a dependency on itself', () => {
    expect(problems(minimalInput('orders', { dependencies: [{ service: 'orders', rps: 5 }] }))).toEqual([
      'dependencies.0.service: a service cannot depend on itself',
    ]);
  });

  it('rejects a duplicated dependency at the second occurrence', () => {
    const found = problems(
      minimalInput('orders', {
        dependencies: [
          { service: 'users', rps: 5 },
          { service: 'stock', rps: 1 },
          { service: 'users', rps: 7 },
        ],
      }),
    );
    expect(found).toEqual(['dependencies.2.service: duplicate dependency "users"']);
  });

  it('reports self and duplicate problems together', () => {
    const found = problems(
      minimalInput('orders', {
        dependencies: [
          { service: 'orders', rps: 1 },
          { service: 'users', rps: 1 },
          { service: 'users', rps: 1 },
        ],
      }),
    );
    expect(found).toHaveLength(2);
  });
});

describe('ServiceSpec rollout steps', () => {
  it.each([
    { steps: [10, 25, 50, 100], valid: true },
    { steps: [100], valid: true },
    { steps: [0, 100], valid: true },
    { steps: [50, 50, 100], valid: true },
    { steps: [50, 25, 100], valid: false, message: 'step weights must not decrease' },
    { steps: [10, 50], valid: false, message: 'the last step must send 100% of traffic' },
    { steps: [101], valid: false },
  ])('weights $steps valid=$valid', ({ steps, valid, message }) => {
    const found = problems(minimalInput('svc', { rollout: { steps: steps.map((weight) => ({ weight })) } }));
    expect(found.length === 0).toBe(valid);
    if (message) expect(found).toContain(`rollout.steps: ${message}`);
  });

  // The "last step" refinement must not read steps[-1] of an empty list (a TypeError would be a 500).
  it('reports an empty step list as a problem instead of throwing', () => {
    expect(problems(minimalInput('svc', { rollout: { steps: [] } })).map((p) => p.split(':')[0])).toEqual(['rollout.steps']);
  });
});

describe('rollout policy size', () => {
  const spec = (rollout: Record<string, unknown>) => ServiceSpec.safeParse({ name: 'a', image: 'a:1', port: 80, rollout });

  it('accepts the defaults and a long manual gate at a coarse interval', () => {
    expect(spec({}).success).toBe(true);
    expect(spec({ steps: [{ weight: 50, gate: 'manual', gateTimeoutSeconds: 86_400 }, { weight: 100 }], analysis: { intervalSeconds: 300 } }).success).toBe(
      true,
    );
  });

  it('refuses a policy that would need more analyses than one execution holds, and says what to change', () => {
    const result = spec({ steps: [{ weight: 100, pauseSeconds: 86_400 }], analysis: { intervalSeconds: 30 } });
    expect(result.success).toBe(false);
    const issue = result.error!.issues.find((i) => i.path.join('.') === 'rollout.analysis.intervalSeconds');
    expect(issue?.message).toMatch(/up to 2890 analyses, more than the 2000/);
  });
});

describe('ServiceSpec resources: numbers or Kubernetes quantities', () => {
  const withResources = (resources: Record<string, unknown>) => ({ name: 'user-service', image: 'shop/user:1', port: 8080, resources });

  it.each([
    [
      { cpu: '50m', memory: '256Mi' },
      { cpu: 50, memory: 256 },
    ],
    [
      { cpu: '0.5', memory: '1Gi' },
      { cpu: 500, memory: 1024 },
    ],
    [
      { cpu: '2', memory: '1G', cpuLimit: '2500m', memoryLimit: '2Gi' },
      { cpu: 2000, memory: 954, cpuLimit: 2500, memoryLimit: 2048 },
    ],
    [
      { cpu: 250, memory: 128 },
      { cpu: 250, memory: 128 },
    ],
  ])('%j is stored as %j (millicores and MiB, rounded up)', (given, stored) => {
    expect(ServiceSpec.parse(withResources(given)).resources).toEqual(stored);
  });

  it('the stored form is a fixed point: parsing it again gives the same numbers', () => {
    const once = ServiceSpec.parse(withResources({ cpu: '250m', memory: '512Mi' }));
    expect(ServiceSpec.parse(once)).toEqual(once);
  });

  it('reports every malformed or out-of-range quantity with its path', () => {
    expect(problems(withResources({ cpu: '50 cores', memory: '12 Mi', cpuLimit: '-1' }))).toEqual([
      'resources.cpu: "50 cores" is not a CPU quantity such as "250m" or "2"',
      'resources.memory: "12 Mi" is not a memory quantity such as "256Mi" or "1Gi"',
      expect.stringMatching(/^resources\.cpuLimit: /),
    ]);
  });
});
