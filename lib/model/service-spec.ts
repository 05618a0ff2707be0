import * as z from 'zod';
import { containerImage, dns1123Label } from './names.js';
import { cpuToMillicoresRoundedUp, memoryToMiBRoundedUp } from './quantity.js';
import { clusterProblems } from './service-clusters.js';

// Every object here is strict: a misspelt field ("replica": 5) is reported as "unknown field: replica"
// instead of being dropped for its default. Stored specs are outputs of these schemas, so re-parsing
// them stays valid.

/** One traffic step of a canary: send `weight` percent to the new version, then wait and analyze. */
export const RolloutStep = z.strictObject({
  weight: z.number().int().min(0).max(100).describe('Percent of traffic sent to the new version'),
  pauseSeconds: z.number().int().min(0).max(86_400).default(60).describe('Time to observe this step before judging it'),
  gate: z.enum(['auto', 'manual']).default('auto').describe('"manual": wait for POST …/promote after the analysis passes'),
  gateTimeoutSeconds: z.number().int().min(60).max(86_400).default(14_400).describe('A manual gate not promoted within this time aborts the rollout'),
});
export type RolloutStep = z.infer<typeof RolloutStep>;

export const AnalysisPolicy = z.strictObject({
  maxErrorRate: z.number().min(0).max(1).default(0.01).describe('Highest acceptable canary error rate (0..1)'),
  maxErrorRateIncrease: z
    .number()
    .min(0)
    .max(1)
    .default(0.005)
    .describe('Highest acceptable canary error rate above stable (0..1): a fixed limit per interval, and the tolerated regression of the sequential test'),
  maxP99LatencyMs: z.number().positive().default(500),
  minRequests: z.number().int().min(1).default(50).describe('Requests the canary must serve before a step is judged'),
  intervalSeconds: z.number().int().min(1).max(3_600).default(30).describe('How often metrics are analysed'),
  maxInconclusive: z.number().int().min(1).max(100).default(10).describe('Intervals without enough requests before the rollout fails'),
  method: z
    .enum(['sequential', 'threshold'])
    .default('sequential')
    .describe(
      '"sequential": canary errors and latency (histogram buckets) are tested against stable with anytime-valid sequential tests (fails as soon as ' +
        'a regression is significant, advances a step early once the evidence bounds it below maxErrorRateIncrease and maxLatencyRatio); ' +
        '"threshold": fixed limits per interval only',
    ),
  falseRollbackRate: z
    .number()
    .min(0.0001)
    .max(0.2)
    .default(0.01)
    .describe('Sequential: highest chance that a canary as good as stable is rolled back by the test (alpha), however long it is watched'),
  minBakeSeconds: z.number().int().min(0).max(86_400).default(30).describe('Sequential: time each step is observed at least before it may advance early'),
  maxLatencyRatio: z
    .number()
    .min(1)
    .max(10)
    .default(1.2)
    .describe(
      "Sequential: tolerated latency regression, as a ratio of the canary's latency to stable's around stable's p90 (histogram buckets): " +
        'a slowdown beyond it fails once significant, a canary shown to stay within it may advance early',
    ),
});
export type AnalysisPolicy = z.infer<typeof AnalysisPolicy>;

export const DEFAULT_CANARY_STEPS: RolloutStep[] = [10, 25, 50, 100].map((weight) => ({
  weight,
  pauseSeconds: 60,
  gate: 'auto' as const,
  gateTimeoutSeconds: 14_400,
}));

/**
 * Analyses one rollout execution may run. Each costs about a dozen Step Functions history events, and
 * an execution ends (as a failure) at 25,000: a policy that would need more is refused up front.
 */
export const MAX_ANALYSES_PER_ROLLOUT = 2_000;

/** Analyses a policy needs at most: every pause, gate and blue/green phase, plus the inconclusive slack. */
export function analysesNeeded(policy: {
  strategy: 'canary' | 'blueGreen';
  steps: RolloutStep[];
  analysis: AnalysisPolicy;
  blueGreen: { previewSeconds: number; keepOldSeconds: number };
}): number {
  const per = (seconds: number) => Math.ceil(seconds / policy.analysis.intervalSeconds) + policy.analysis.maxInconclusive;
  if (policy.strategy === 'blueGreen') return per(policy.blueGreen.previewSeconds) + per(policy.blueGreen.keepOldSeconds);
  return policy.steps.reduce((n, step) => n + per(step.pauseSeconds + (step.gate === 'manual' ? step.gateTimeoutSeconds : 0)), 0);
}

export const RolloutPolicy = z
  .strictObject({
    strategy: z.enum(['canary', 'blueGreen']).default('canary'),
    steps: z
      .array(RolloutStep)
      .min(1)
      .max(20)
      .default(() => structuredClone(DEFAULT_CANARY_STEPS))
      .refine((steps) => steps.every((s, i) => i === 0 || s.weight >= steps[i - 1].weight), 'step weights must not decrease')
      .refine((steps) => steps.length === 0 || steps[steps.length - 1].weight === 100, 'the last step must send 100% of traffic'),
    analysis: AnalysisPolicy.default(() => AnalysisPolicy.parse({})),
    blueGreen: z
      .strictObject({
        previewSeconds: z.number().int().min(0).default(60).describe('Analysis time on the preview Service before switching'),
        keepOldSeconds: z.number().int().min(0).default(600).describe('How long the old version is kept for instant rollback'),
      })
      .default(() => ({ previewSeconds: 60, keepOldSeconds: 600 })),
    waves: z
      .array(z.array(dns1123Label).min(1).max(20))
      .min(1)
      .max(20)
      .optional()
      .describe('Multi-cluster services: the clusters each wave releases, in order (default: one cluster per wave, in the order of `clusters`)'),
    bakeSeconds: z
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(0)
      .describe('After each wave: how long its clusters keep being analysed on the new version before the next wave (or the promotion) starts'),
  })
  .superRefine((policy, ctx) => {
    const needed = analysesNeeded(policy);
    if (needed > MAX_ANALYSES_PER_ROLLOUT)
      ctx.addIssue({
        code: 'custom',
        path: ['analysis', 'intervalSeconds'],
        message: `this rollout would run up to ${needed} analyses, more than the ${MAX_ANALYSES_PER_ROLLOUT} one execution holds: analyse less often or shorten the pauses and gate timeouts`,
      });
  });
export type RolloutPolicy = z.infer<typeof RolloutPolicy>;

export const MeshPolicy = z.strictObject({
  timeoutMs: z.number().int().min(1).max(600_000).default(5_000),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).max(10).default(2),
      perTryTimeoutMs: z.number().int().min(1).max(600_000).default(2_000),
      retryOn: z.string().min(1).default('5xx,reset,connect-failure,refused-stream'),
    })
    .default(() => ({ attempts: 2, perTryTimeoutMs: 2_000, retryOn: '5xx,reset,connect-failure,refused-stream' })),
  circuitBreaker: z
    .strictObject({
      consecutive5xxErrors: z.number().int().min(1).default(5),
      intervalSeconds: z.number().int().min(1).default(10),
      baseEjectionSeconds: z.number().int().min(1).default(30),
      maxEjectionPercent: z.number().int().min(0).max(100).default(50),
      maxConnections: z.number().int().min(1).default(1_024),
      maxPendingRequests: z.number().int().min(1).default(1_024),
    })
    .default(() => ({
      consecutive5xxErrors: 5,
      intervalSeconds: 10,
      baseEjectionSeconds: 30,
      maxEjectionPercent: 50,
      maxConnections: 1_024,
      maxPendingRequests: 1_024,
    })),
  localityRouting: z
    .enum(['auto', 'uniform', 'preferSameZone'])
    .optional()
    .describe(
      "How callers spread calls over zones (default auto): auto follows the optimizer's routing decision (the mesh default until it makes one); " +
        'uniform: round-robin over every zone; preferSameZone: same-zone endpoints first, other zones when they fail',
    ),
});
export type MeshPolicy = z.infer<typeof MeshPolicy>;

export const Dependency = z.strictObject({
  service: dns1123Label.describe('Name of the service this one calls'),
  rps: z.number().min(0).max(10_000_000).describe('Expected requests per second to it'),
});
export type Dependency = z.infer<typeof Dependency>;

export const Probe = z.strictObject({
  path: z.string().startsWith('/', 'must start with "/"').default('/healthz'),
  periodSeconds: z.number().int().min(1).max(300).default(10),
  initialDelaySeconds: z.number().int().min(0).max(600).default(0),
});

/** A host name edge clients use: DNS labels separated by dots, optionally starting with a `*.` wildcard. */
const edgeHost = z
  .string()
  .max(253)
  .regex(
    /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
    'must be a lower-case DNS name such as "shop.example.com" or "*.example.com"',
  );

/**
 * How the service is reached from outside the mesh (absent: it is not). `LoadBalancer`: its Service gets
 * `type: LoadBalancer` and an AWS Network Load Balancer (AWS Load Balancer Controller, target type ip).
 * `Gateway`: an Istio Gateway on the shared ingress gateway, with the service's VirtualService bound to it,
 * so canary weights and retries apply to edge traffic too.
 */
export const Exposure = z
  .strictObject({
    type: z.enum(['LoadBalancer', 'Gateway']).describe('LoadBalancer: an NLB straight to the pods; Gateway: through the shared Istio ingress gateway'),
    port: z.number().int().min(1).max(65_535).default(80).describe('Port edge clients connect to'),
    hosts: z.array(edgeHost).min(1).max(50).optional().describe('Gateway: the host names edge clients call the service by (required)'),
    paths: z
      .array(z.string().startsWith('/', 'must start with "/"').max(1_024))
      .min(1)
      .max(50)
      .optional()
      .describe('Gateway: only these path prefixes are routed from the edge (default: all)'),
    internal: z.boolean().default(false).describe('LoadBalancer: an internal NLB (reachable inside the VPC only) instead of an internet-facing one'),
  })
  .superRefine((expose, ctx) => {
    if (expose.type === 'Gateway' && !expose.hosts)
      ctx.addIssue({
        code: 'custom',
        path: ['hosts'],
        message: 'a Gateway exposure needs the host names edge clients use (Istio does not allow "*" on a VirtualService that also serves the mesh)',
      });
    if (expose.type === 'LoadBalancer') {
      const l4 = 'a Network Load Balancer forwards TCP and cannot route by host or path; use type "Gateway"';
      if (expose.hosts) ctx.addIssue({ code: 'custom', path: ['hosts'], message: l4 });
      if (expose.paths) ctx.addIssue({ code: 'custom', path: ['paths'], message: l4 });
    }
    if (expose.type === 'Gateway' && expose.internal)
      ctx.addIssue({
        code: 'custom',
        path: ['internal'],
        message: "the shared ingress gateway's own load balancer decides whether Gateway traffic is internal",
      });
  });
export type Exposure = z.infer<typeof Exposure>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names are letters, digits and "_"');

/**
 * A resource amount as a number in meshplane's unit (millicores, MiB) or as a Kubernetes quantity (`"250m"`, `"0.5"`,
 * `"256Mi"`, `"1Gi"`), rounded up. Stored and rendered as the number: `"250m"` is stored as 250 and rendered as `250m`.
 */
function resourceAmount(unit: 'cpu' | 'memory', max: number) {
  const convert = unit === 'cpu' ? cpuToMillicoresRoundedUp : memoryToMiBRoundedUp;
  const example = unit === 'cpu' ? '"250m" or "2"' : '"256Mi" or "1Gi"';
  return z
    .union([z.number(), z.string()])
    .transform((value, ctx) => {
      if (typeof value === 'number') return value;
      try {
        return convert(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: `"${value}" is not a ${unit === 'cpu' ? 'CPU' : 'memory'} quantity such as ${example}` });
        return z.NEVER;
      }
    })
    .pipe(z.number().int().min(1).max(max));
}

/** What a platform team registers: one microservice in the mesh. Defaults are filled in and returned. */
export const ServiceSpec = z
  .strictObject({
    name: dns1123Label,
    namespace: dns1123Label.default('default'),
    image: containerImage,
    port: z.number().int().min(1).max(65_535).describe('Container port the service listens on'),
    servicePort: z.number().int().min(1).max(65_535).default(80).describe('Port of the Kubernetes Service'),
    replicas: z.number().int().min(0).max(1_000).default(2),
    resources: z
      .strictObject({
        cpu: resourceAmount('cpu', 256_000).prefault(100).describe('CPU request in millicores, or a Kubernetes quantity ("250m")'),
        memory: resourceAmount('memory', 1_048_576).prefault(128).describe('Memory request in MiB, or a Kubernetes quantity ("256Mi")'),
        cpuLimit: resourceAmount('cpu', 256_000).optional().describe('CPU limit in millicores or a quantity (default: none)'),
        memoryLimit: resourceAmount('memory', 1_048_576).optional().describe('Memory limit in MiB or a quantity (default: the request)'),
      })
      .prefault(() => ({ cpu: 100, memory: 128 })),
    dependencies: z
      .array(Dependency)
      .max(200)
      .default(() => []),
    env: z.record(envName, z.string().max(32_768)).default(() => ({})),
    probes: z.strictObject({ readiness: Probe.optional(), liveness: Probe.optional() }).optional(),
    rollout: RolloutPolicy.default(() => RolloutPolicy.parse({})),
    mesh: MeshPolicy.default(() => MeshPolicy.parse({})),
    cluster: dns1123Label.optional().describe('Target cluster id; the default cluster when absent'),
    clusters: z
      .array(dns1123Label)
      .min(1)
      .max(20)
      .optional()
      .describe('Several target clusters, each running a full copy (cells); deployments release them wave by wave. Exclusive with `cluster`'),
    expose: Exposure.optional().describe('Reach the service from outside the mesh (default: in-mesh only)'),
    availability: z
      .strictObject({
        maxPerNode: z
          .number()
          .int()
          .min(1)
          .max(1_000)
          .optional()
          .describe('Most replicas on one node, so most a node loss or drain takes (default max(1, ⌊replicas/3⌋)); also the PodDisruptionBudget'),
      })
      .optional()
      .describe('Availability rule the placement optimizer, the scheduler (topology spread) and evictions (PodDisruptionBudget) keep'),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.dependencies.forEach((dep, i) => {
      if (dep.service === spec.name) ctx.addIssue({ code: 'custom', path: ['dependencies', i, 'service'], message: 'a service cannot depend on itself' });
      if (seen.has(dep.service)) ctx.addIssue({ code: 'custom', path: ['dependencies', i, 'service'], message: `duplicate dependency "${dep.service}"` });
      seen.add(dep.service);
    });
    for (const problem of clusterProblems(spec)) ctx.addIssue({ code: 'custom', ...problem });
    if (spec.resources.cpuLimit !== undefined && spec.resources.cpuLimit < spec.resources.cpu)
      ctx.addIssue({ code: 'custom', path: ['resources', 'cpuLimit'], message: 'must be at least the CPU request' });
    if (spec.resources.memoryLimit !== undefined && spec.resources.memoryLimit < spec.resources.memory)
      ctx.addIssue({ code: 'custom', path: ['resources', 'memoryLimit'], message: 'must be at least the memory request' });
  });

/** A complete spec with every default filled in. */
export type ServiceSpec = z.output<typeof ServiceSpec>;
/** What a user may send: defaults may be left out. */
export type ServiceSpecInput = z.input<typeof ServiceSpec>;
