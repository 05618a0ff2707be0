/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`) and validated once,
 * so the constructs receive typed values and a typo fails `cdk synth` with a clear message instead of
 * producing a half-configured control plane.
 */
import * as z from 'zod';
import { ValidationError } from '../lib/errors.js';

/** Retention periods CloudWatch Logs accepts (days). */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const AMP_WORKSPACE_ARN = /^arn:aws[a-z-]*:aps:([a-z]{2}(?:-[a-z]+)+-\d):\d{12}:workspace\/(ws-[0-9a-zA-Z-]+)$/;

/**
 * Values given with `-c key=value` arrive as strings; JSON-shaped values (lists, objects, booleans,
 * numbers) are parsed so the CLI and `cdk.json` accept the same settings.
 */
function fromCliString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^[[{]/.test(trimmed) || /^(true|false|-?\d+(\.\d+)?)$/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

const ClusterContext = z.object({
  /** EKS cluster name. */
  name: z
    .string()
    .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]*$/, 'must be an EKS cluster name')
    .max(100),
  /** Region of the cluster; the stack's region when omitted. */
  region: z.string().regex(REGION, 'must be an AWS region such as eu-west-1').optional(),
  /**
   * Role the functions assume to reach this cluster (the registration's `roleArn`). The role's own
   * account then grants cluster access; the stack creates no access entry for it.
   */
  roleArn: z.string().regex(ROLE_ARN, 'must be an IAM role ARN').optional(),
  /**
   * How each function's role is authorized inside the cluster (only functions that call clusters get
   * an access entry; see `kubernetes` in infra/handler-catalog.ts):
   * - `scoped` (default): access policies, AmazonEKSEditPolicy on `namespaces` for the functions that
   *   change services, AmazonEKSViewPolicy cluster-wide for those that read nodes and every pod; those
   *   that edit also join `kubernetesGroups`, which the administrators bind to the Istio kinds in
   *   `namespaces` (access policies cover built-in kinds only; RBAC in infra/README.md);
   * - `kubernetesGroups`: no access policy, the roles join `kubernetesGroups`, bound to the RBAC in
   *   infra/README.md by the cluster's administrators;
   * - `clusterAdmin`: AmazonEKSClusterAdminPolicy, cluster scope (opt-in, for a throwaway cluster).
   */
  access: z.enum(['scoped', 'kubernetesGroups', 'clusterAdmin']).default('scoped'),
  kubernetesGroups: z.array(z.string().min(1)).default(['meshplane-controller']),
  /** The namespaces meshplane manages services in (wildcards allowed, e.g. `shop-*`): the scope of its edit access. */
  namespaces: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9*]([-a-z0-9*]*[a-z0-9*])?$/, 'must be a namespace name, optionally with *')
        .max(63),
    )
    .min(1)
    .default(['default']),
});
export type ClusterContext = z.infer<typeof ClusterContext>;

const VpcContext = z.object({
  vpcId: z.string().regex(/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a VPC id'),
  subnetIds: z.array(z.string().regex(/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/, 'must be a subnet id')).min(1),
  /** The subnets' availability zones, in the same order (no lookup happens at synth). */
  availabilityZones: z.array(z.string().min(1)).min(1),
});

const httpsUrl = z.url({ protocol: /^https$/ });

/**
 * The dashboard's own authorization (a browser cannot SigV4-sign): a second HTTP API for the dashboard,
 * whose routes take a JWT from `issuer` for `audience` (and, with `scopes`, one of them), without the
 * admin routes; the IAM API stays as it is for the CLI and admins. `login` lets the dashboard sign in
 * with the issuer itself (OAuth authorization code with PKCE, a public client); without it, users paste a token.
 */
const DashboardAuthContext = z.preprocess(
  fromCliString,
  z.strictObject({
    issuer: httpsUrl,
    audience: z.union([
      z
        .string()
        .min(1)
        .transform((a) => [a]),
      z.array(z.string().min(1)).min(1),
    ]),
    scopes: z.array(z.string().min(1)).min(1).optional(),
    login: z
      .strictObject({
        clientId: z.string().min(1),
        authorizationEndpoint: httpsUrl,
        tokenEndpoint: httpsUrl,
        scope: z.string().min(1).default('openid'),
      })
      .optional(),
  }),
);
export type DashboardAuth = z.output<typeof DashboardAuthContext>;

const ContextKeys = z.object({
  stage: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be a short lowercase name such as prod or dev')
    .default('prod'),
  account: z
    .string()
    .regex(/^\d{12}$/, 'must be a 12-digit account id')
    .optional(),
  region: z.string().regex(REGION, 'must be an AWS region such as eu-west-1').optional(),
  clusters: z.preprocess(fromCliString, z.array(ClusterContext)).default([]),
  prometheusUrl: z.url({ protocol: /^https?$/ }).optional(),
  ampWorkspaceArn: z.string().regex(AMP_WORKSPACE_ARN, 'must be an Amazon Managed Prometheus workspace ARN').optional(),
  metricsSource: z.enum(['prometheus', 'cloudwatch']).optional(),
  cloudWatchMetricsNamespace: z.string().min(1).optional(),
  jwtIssuer: z.url({ protocol: /^https$/ }).optional(),
  jwtAudience: z
    .preprocess(
      fromCliString,
      z.union([
        z
          .string()
          .min(1)
          .transform((a) => [a]),
        z.array(z.string().min(1)).min(1),
      ]),
    )
    .optional(),
  dashboardAuth: DashboardAuthContext.optional(),
  logRetentionDays: z
    .preprocess(fromCliString, z.number().int())
    .refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), `must be one of ${LOG_RETENTION_DAYS.join(', ')}`)
    .default(30),
  logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  alarmEmail: z.email().optional(),
  /** `false` for throwaway stages: the table is deleted with the stack and has no deletion protection. */
  retainData: z.preprocess(fromCliString, z.boolean()).default(true),
  vpc: z.preprocess(fromCliString, VpcContext).optional(),
});

/** The context keys meshplane reads; everything is optional. */
export const MeshplaneContext = ContextKeys.refine((c) => !(c.jwtIssuer && !c.jwtAudience), { path: ['jwtAudience'], message: 'is required with jwtIssuer' })
  .refine((c) => !(c.jwtAudience && !c.jwtIssuer), { path: ['jwtIssuer'], message: 'is required with jwtAudience' })
  .refine((c) => !(c.dashboardAuth && c.jwtIssuer), {
    path: ['dashboardAuth'],
    message: 'is for an API in IAM mode: with jwtIssuer the whole API takes JWTs already, the dashboard included',
  })
  .refine((c) => !(c.metricsSource === 'cloudwatch' && !c.cloudWatchMetricsNamespace), {
    path: ['cloudWatchMetricsNamespace'],
    message: 'is required with metricsSource cloudwatch',
  })
  .refine((c) => !(c.vpc && c.vpc.subnetIds.length !== c.vpc.availabilityZones.length), {
    path: ['vpc', 'availabilityZones'],
    message: 'must list one zone per subnet',
  });

/** The validated settings the stack is built from. */
export interface MeshplaneConfig {
  stage: string;
  /** Target account and region; absent = an environment-agnostic stack. */
  env: { account?: string; region?: string };
  clusters: ClusterContext[];
  /** Prometheus base URL the functions query (PROMETHEUS_URL); derived from the AMP workspace when only that is given. */
  prometheusUrl?: string;
  ampWorkspaceArn?: string;
  /** Analyses read CloudWatch GetMetricData in this namespace (METRICS_SOURCE=cloudwatch); Prometheus when absent. */
  cloudWatchMetrics?: { namespace: string };
  /** JWT authorizer instead of IAM authorization on the HTTP API. */
  jwt?: { issuer: string; audience: string[] };
  /** IAM mode: a JWT-authorised API for the dashboard beside the IAM one (no admin routes on it). */
  dashboardAuth?: DashboardAuth;
  logRetentionDays: (typeof LOG_RETENTION_DAYS)[number];
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  alarmEmail?: string;
  retainData: boolean;
  vpc?: z.infer<typeof VpcContext>;
}

/** The Prometheus-compatible query base URL of an Amazon Managed Prometheus workspace. */
export function ampQueryUrl(workspaceArn: string): string {
  const match = AMP_WORKSPACE_ARN.exec(workspaceArn);
  if (!match) throw new ValidationError([{ path: 'ampWorkspaceArn', message: `"${workspaceArn}" is not an AMP workspace ARN` }]);
  const [, region, workspaceId] = match;
  return `https://aps-workspaces.${region}.amazonaws.com/workspaces/${workspaceId}`;
}

/**
 * Validates the context (a key → value reader such as `node.tryGetContext`) and returns the stack's
 * settings. `defaults` supplies the account and region the CDK CLI detected when context names none.
 *
 * @throws ValidationError listing every invalid key.
 */
export function readMeshplaneConfig(readContext: (key: string) => unknown, defaults: { account?: string; region?: string } = {}): MeshplaneConfig {
  const keys = Object.keys(ContextKeys.shape);
  const raw = Object.fromEntries(keys.map((key) => [key, readContext(key)]).filter(([, value]) => value !== undefined));
  const parsed = MeshplaneContext.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
      'the meshplane CDK context is not valid',
    );
  }
  const c = parsed.data;
  const account = c.account ?? defaults.account;
  const region = c.region ?? defaults.region;
  return {
    stage: c.stage,
    env: { ...(account ? { account } : {}), ...(region ? { region } : {}) },
    clusters: c.clusters,
    prometheusUrl: c.prometheusUrl ?? (c.ampWorkspaceArn ? ampQueryUrl(c.ampWorkspaceArn) : undefined),
    ampWorkspaceArn: c.ampWorkspaceArn,
    ...(c.metricsSource === 'cloudwatch' && c.cloudWatchMetricsNamespace ? { cloudWatchMetrics: { namespace: c.cloudWatchMetricsNamespace } } : {}),
    jwt: c.jwtIssuer && c.jwtAudience ? { issuer: c.jwtIssuer, audience: c.jwtAudience } : undefined,
    ...(c.dashboardAuth ? { dashboardAuth: c.dashboardAuth } : {}),
    logRetentionDays: c.logRetentionDays as MeshplaneConfig['logRetentionDays'],
    logLevel: c.logLevel,
    alarmEmail: c.alarmEmail,
    retainData: c.retainData,
    vpc: c.vpc,
  };
}
