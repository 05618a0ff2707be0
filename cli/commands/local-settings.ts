import { resolve } from 'node:path';
import { RemediationPolicy } from '../../lib/health/remediation-policy.js';
// Readable validation messages ('dryRun: must be true or false (got string)').
import '../../lib/model/error-messages.js';

/** As lib/local/local-cluster.ts (not imported: it loads the simulated cluster). */
export const MAX_SIM_CLUSTERS = 9;

/** Flags of `meshplane local`. */
export interface LocalFlags {
  port?: string;
  'data-dir'?: string;
  kubeconfig?: string;
  context?: string;
  verbose?: boolean;
  'kubeconfig-dir'?: string;
  'allow-exec-plugins'?: boolean;
  'admin-token'?: string;
  'sim-clusters'?: string;
}

/** What `meshplane local` starts the runtime with, read from its flags and environment. */
export interface LocalSettings {
  port: number;
  /** Absolute; state is kept in memory when absent. */
  dataDir?: string;
  /** LocalStack (or any AWS-compatible endpoint) instead of the embedded emulators. */
  endpoint?: string;
  /** Multiplies rollout waits; in (0, 1]. */
  timeFactor: number;
  kubeconfig?: { path: string; context?: string };
  /** From REMEDIATION_POLICY; the platform default when absent. */
  remediationPolicy?: RemediationPolicy;
  /** Absolute; cluster registrations may name kubeconfig files inside it. */
  kubeconfigDir?: string;
  /** Registered kubeconfigs may run exec credential plugins (and auth-provider). */
  allowExecPlugins?: boolean;
  /** Cluster changes need `Authorization: Bearer <it>`. */
  adminToken?: string;
  /** Simulated clusters to start: `local` (the default) and `local-2` … (absent: one). */
  simClusters?: number;
}

/** A flag or environment variable of `meshplane local` that cannot be used; `setting` names it. */
export class InvalidLocalSettingError extends Error {
  constructor(
    readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidLocalSettingError';
  }
}

export const DEFAULT_LOCAL_PORT = 8080;
/** A 60 s rollout pause takes 6 s locally. */
export const DEFAULT_TIME_FACTOR = 0.1;

/**
 * Reads the settings of `meshplane local` (flags first, then PORT, MESHPLANE_DATA_DIR,
 * AWS_ENDPOINT_URL, MESHPLANE_TIME_FACTOR, REMEDIATION_POLICY). Pure: it touches neither the file
 * system nor the network.
 */
export function localSettings(flags: LocalFlags, env: NodeJS.ProcessEnv = process.env): LocalSettings {
  const rawPort = flags.port ?? (env.PORT || undefined);
  const port = Number(rawPort ?? DEFAULT_LOCAL_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidLocalSettingError(flags.port !== undefined ? '--port' : 'PORT', `--port must be a port number, got "${rawPort}"`);

  const rawFactor = env.MESHPLANE_TIME_FACTOR;
  const timeFactor = rawFactor === undefined || rawFactor === '' ? DEFAULT_TIME_FACTOR : Number(rawFactor);
  // The simulated cluster's clock can be sped up to match compressed waits but never slowed down, so a
  // factor above 1 would make its metrics windows disagree with the rollout's waits.
  if (!(timeFactor > 0 && timeFactor <= 1))
    throw new InvalidLocalSettingError('MESHPLANE_TIME_FACTOR', `MESHPLANE_TIME_FACTOR must be a number in (0, 1], got "${rawFactor}"`);

  const dataDir = flags['data-dir'] ?? (env.MESHPLANE_DATA_DIR || undefined);
  const remediationPolicy = remediationPolicyFromEnv(env.REMEDIATION_POLICY);
  const kubeconfigDir = flags['kubeconfig-dir'] ?? (env.MESHPLANE_KUBECONFIG_DIR || undefined);
  const rawExec = env.MESHPLANE_ALLOW_EXEC_PLUGINS;
  if (rawExec !== undefined && !['', '0', '1', 'true', 'false'].includes(rawExec))
    throw new InvalidLocalSettingError('MESHPLANE_ALLOW_EXEC_PLUGINS', `MESHPLANE_ALLOW_EXEC_PLUGINS must be 1 or 0, got "${rawExec}"`);
  const allowExecPlugins = flags['allow-exec-plugins'] === true || rawExec === '1' || rawExec === 'true';
  const adminToken = flags['admin-token'] ?? (env.MESHPLANE_ADMIN_TOKEN || undefined);
  if (adminToken !== undefined && (adminToken.length < 16 || /\s/.test(adminToken)))
    throw new InvalidLocalSettingError(
      flags['admin-token'] !== undefined ? '--admin-token' : 'MESHPLANE_ADMIN_TOKEN',
      'the admin token must be at least 16 characters without white space',
    );
  const rawClusters = flags['sim-clusters'] ?? (env.MESHPLANE_SIM_CLUSTERS || undefined);
  const simClusters = rawClusters === undefined ? undefined : Number(rawClusters);
  if (simClusters !== undefined && !(Number.isInteger(simClusters) && simClusters >= 1 && simClusters <= MAX_SIM_CLUSTERS))
    throw new InvalidLocalSettingError(
      flags['sim-clusters'] !== undefined ? '--sim-clusters' : 'MESHPLANE_SIM_CLUSTERS',
      `--sim-clusters must be a whole number from 1 to ${MAX_SIM_CLUSTERS}, got "${rawClusters}"`,
    );
  if (simClusters !== undefined && simClusters > 1 && flags.kubeconfig)
    throw new InvalidLocalSettingError('--sim-clusters', '--sim-clusters starts simulated clusters; it cannot be combined with --kubeconfig');
  return {
    port,
    ...(simClusters !== undefined && simClusters > 1 ? { simClusters } : {}),
    ...(dataDir ? { dataDir: resolve(dataDir) } : {}),
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    timeFactor,
    ...(flags.kubeconfig ? { kubeconfig: { path: resolve(flags.kubeconfig), context: flags.context } } : {}),
    ...(remediationPolicy ? { remediationPolicy } : {}),
    ...(kubeconfigDir ? { kubeconfigDir: resolve(kubeconfigDir) } : {}),
    ...(allowExecPlugins ? { allowExecPlugins } : {}),
    ...(adminToken ? { adminToken } : {}),
  };
}

/** REMEDIATION_POLICY: JSON overrides of the remediation policy, e.g. `{"dryRun": true}`. */
function remediationPolicyFromEnv(raw: string | undefined): RemediationPolicy | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new InvalidLocalSettingError(
      'REMEDIATION_POLICY',
      `REMEDIATION_POLICY is not JSON (${(err as Error).message}); expected an object such as {"dryRun":true}`,
    );
  }
  const parsed = RemediationPolicy.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new InvalidLocalSettingError('REMEDIATION_POLICY', `REMEDIATION_POLICY is not a valid remediation policy: ${problems}`);
  }
  return parsed.data;
}
