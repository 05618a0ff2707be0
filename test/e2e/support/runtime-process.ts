/**
 * `meshplane local` as a real child process (node --import tsx cli/main.ts local), for tests that kill
 * it: kill -9, SIGTERM, or a crash point (MESHPLANE_CRASH_AT). Also reads what it left behind: every
 * operation and service record in its DynamoDB (a Scan, as no API lists operations) and the Deployments
 * in its simulated cluster.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { OperationRecord, ServiceRecord } from '../../../lib/model/records.js';
import { TABLE } from '../../../lib/platform/resources.js';
import { exited, waitForLine } from '../../support/processes.js';
import { MeshplaneApi } from './meshplane-api.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface RuntimeProcessOptions {
  dataDir: string;
  /** MESHPLANE_CRASH_AT: the process kills itself at this crash point. */
  crashAt?: string;
  /** Rollout waits ×factor (MESHPLANE_TIME_FACTOR); the health probe runs every 60 s × factor. */
  timeFactor?: number;
  env?: NodeJS.ProcessEnv;
}

export interface RuntimeProcess {
  child: ChildProcess;
  url: string;
  simUrl: string;
  dynamodbUrl: string;
  api: MeshplaneApi;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves when the process has exited (by itself, by a crash point, or killed). */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startRuntimeProcess(options: RuntimeProcessOptions): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--disable-warning=ExperimentalWarning', 'cli/main.ts', 'local', '--port', '0'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'WARN',
      MESHPLANE_DATA_DIR: options.dataDir,
      MESHPLANE_TIME_FACTOR: String(options.timeFactor ?? 0.02),
      // If the test process dies, so does the runtime.
      MESHPLANE_EXIT_WITH_PARENT: '1',
      MESHPLANE_CRASH_AT: options.crashAt ?? '',
      PORT: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  try {
    const url = (await waitForLine(child, /meshplane listening on (http:\S+)/, 60_000))[1];
    const simUrl = stderr.match(/simulated cluster: (http:\/\/[^;\s]+)/)![1];
    const dynamodbUrl = stderr.match(/DynamoDB (http:\/\/[^,\s]+)/)![1];
    return {
      child,
      url,
      simUrl,
      dynamodbUrl,
      api: new MeshplaneApi(url),
      stderr: () => stderr,
      exit,
      async kill(signal) {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited(child, 45_000);
      },
    };
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\nstderr: ${stderr.slice(-3000)}`);
  }
}

/** Every item of the table whose partition key starts with `prefix` and whose sort key is `sk`. */
async function scan<T>(dynamodbUrl: string, prefix: string, sk: string): Promise<T[]> {
  const client = new DynamoDBClient({ endpoint: dynamodbUrl, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const out: T[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: TABLE.name,
          FilterExpression: 'begins_with(pk, :p) AND sk = :s',
          ExpressionAttributeValues: { ':p': { S: prefix }, ':s': { S: sk } },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) out.push(unmarshall(item) as T);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  } finally {
    client.destroy();
  }
}

/** Every operation the store holds (pending ones included). */
export const storedOperations = (rt: Pick<RuntimeProcess, 'dynamodbUrl'>) => scan<OperationRecord>(rt.dynamodbUrl, 'OP#', 'OP');
/** Every service record the store holds (tombstones of deregistered services included). */
export const storedServices = (rt: Pick<RuntimeProcess, 'dynamodbUrl'>) => scan<ServiceRecord>(rt.dynamodbUrl, 'SVC#', 'SPEC');

export interface ClusterDeployment {
  namespace: string;
  name: string;
  image: string;
  replicas: number;
  readyReplicas: number;
}

/** The Deployments in the simulated cluster, all namespaces. */
export async function clusterDeployments(simUrl: string): Promise<ClusterDeployment[]> {
  const res = await fetch(`${simUrl}/apis/apps/v1/deployments`, { headers: { authorization: 'Bearer test' } });
  if (!res.ok) throw new Error(`listing deployments: ${res.status}`);
  const list = (await res.json()) as {
    items: {
      metadata: { namespace: string; name: string };
      spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
      status?: { readyReplicas?: number };
    }[];
  };
  return list.items.map((d) => ({
    namespace: d.metadata.namespace,
    name: d.metadata.name,
    image: d.spec.template.spec.containers[0]?.image ?? '',
    replicas: d.spec.replicas ?? 1,
    readyReplicas: d.status?.readyReplicas ?? 0,
  }));
}

/**
 * Where the cluster and the store disagree: a live service without its stable Deployment or with
 * another image, a deregistered one whose Deployment is still there, a canary without a rollout.
 * Empty when they agree.
 */
export async function clusterVersusStore(rt: Pick<RuntimeProcess, 'dynamodbUrl' | 'simUrl'>): Promise<string[]> {
  const [services, deployments] = await Promise.all([storedServices(rt), clusterDeployments(rt.simUrl)]);
  const problems: string[] = [];
  const find = (ns: string, name: string) => deployments.find((d) => d.namespace === ns && d.name === name);
  for (const svc of services) {
    const ns = svc.spec.namespace ?? 'default';
    const stable = find(ns, svc.name);
    const canary = find(ns, `${svc.name}-canary`);
    if (svc.phase === 'deleted') {
      if (stable) problems.push(`${svc.name} is deregistered but its Deployment is in the cluster`);
      continue;
    }
    if (svc.phase !== 'active') continue;
    if (!stable) problems.push(`${svc.name} is registered but has no Deployment in the cluster`);
    else if (stable.image !== svc.spec.image) problems.push(`${svc.name}: the cluster runs ${stable.image}, the store says ${svc.spec.image}`);
    if (canary && !svc.traffic) problems.push(`${svc.name}: a canary Deployment runs without a rollout in the store`);
  }
  return problems;
}
