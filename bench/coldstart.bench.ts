/**
 * Cold-start cost of each Lambda handler: bundle bytes by package, and the time from process start to
 * a ready handler, next to a hello-world handler's measured in the same run.
 *
 * Bundles every deployable handler and a hello-world handler with the stack's esbuild options
 * (infra/bundling.ts: an entry, and a chunk for each dynamic import, loaded when first imported), then starts a fresh Node process `BENCH_RUNS` times (default 20) per bundle,
 * interleaved, with the stack's environment. Each process reports `performance.now()` once
 * `await import(bundle)` has returned, which counts from the process's own start: Node's startup plus
 * the module's evaluation (`readyMs`, and `ratioToHelloWorld` = API p50 / hello-world p50); and the same
 * with Node's own `--enable-source-maps`, which decodes the map at load (the bundles map stacks lazily).
 *
 * A handler that defers work to its first invocation looks ready early and answers later (the API does:
 * its route groups and SDK clients are chunks loaded by the first request that needs them), so the API
 * and hello world also answer one request in the same process (`firstAnswerMs`): `GET /v1/services/{name}`,
 * which loads the service routes and the store, signs and sends two DynamoDB GetItem requests (answered
 * `{}` by a stand-in server of this process) and answers 404.
 * Targets: the API bundle ≤ 1 MiB and ready in ≤ 1.5 × hello-world; the others ≤ 1 MiB outside the
 * Kubernetes client and its HTTP stack.
 *
 *   npx tsx bench/coldstart.bench.ts                       # every handler
 *   BENCH_HANDLERS=api BENCH_RUNS=30 npx tsx bench/coldstart.bench.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleHandlers, type HandlerBundle } from '../infra/bundle-handler.js';
import { BUNDLE_RUNTIME_ENV, EAGER_SOURCE_MAPS_NODE_OPTIONS } from '../infra/bundling.js';
import { deployableHandlers, type HandlerDefinition } from '../infra/handler-catalog.js';
import { QUEUES } from '../lib/platform/resources.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const ONLY = process.env.BENCH_HANDLERS?.split(',').filter(Boolean);
const MiB = 1024 * 1024;
const TARGET = { apiBytes: MiB, outsideKubernetesBytes: MiB, apiReadyRatio: 1.5 };
const projectRoot = join(import.meta.dirname, '..');
const run = promisify(execFile);

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** A DynamoDB stand-in: every request answered `{}` (GetItem: no such item). Counts signed requests. */
async function startDynamoDbStandIn(): Promise<{ url: string; signed: () => number; close: () => void }> {
  let signed = 0;
  const server = createServer((req, res) => {
    if (/^AWS4-HMAC-SHA256 Credential=bench\//.test(req.headers.authorization ?? '')) signed++;
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, signed: () => signed, close: () => server.close() };
}

/** The request the API and hello world answer: a read of an unknown service (404 after two GetItems). */
const FIRST_REQUEST = {
  version: '2.0',
  routeKey: 'ANY /v1/{proxy+}',
  rawPath: '/v1/services/coldstart-probe',
  rawQueryString: '',
  headers: { host: 'api.example.com' },
  isBase64Encoded: false,
  requestContext: { requestId: 'coldstart', http: { method: 'GET', path: '/v1/services/coldstart-probe', sourceIp: '203.0.113.1' } },
};

interface Sample {
  /** Milliseconds from process start to `import(bundle)` returned. */
  ready: number;
  /** … to the first request answered (when the bundle is asked one). */
  answered?: number;
  status?: number;
}

/** One fresh process: import the bundle, optionally answer {@link FIRST_REQUEST}, report the times. */
async function sample(file: string, nodeOptions: string, answer: boolean, env: Record<string, string>): Promise<Sample> {
  const script = [
    `const bundle = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    'const ready = performance.now();',
    answer
      ? `const response = await bundle.handler(${JSON.stringify(FIRST_REQUEST)}, { awsRequestId: 'coldstart', getRemainingTimeInMillis: () => 29000 });`
      : 'const response = undefined;',
    'const answered = response ? performance.now() : undefined;',
    // Keep-alive sockets would hold the process open.
    'console.log(JSON.stringify({ ready, answered, status: response?.statusCode })); process.exit(0);',
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { env: { PATH: process.env.PATH, NODE_OPTIONS: nodeOptions, ...env } });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;

const outDir = mkdtempSync(join(tmpdir(), 'meshplane-coldstart-'));
const dynamodb = await startDynamoDbStandIn();
try {
  // The baseline: a handler that imports nothing, bundled the same way in the same build.
  const hello: HandlerDefinition = {
    id: 'hello-world',
    entry: 'bench/fixtures/hello-world.ts',
    description: 'baseline',
    trigger: { kind: 'httpApi' },
    needs: { table: 'readWriteNoDelete' },
    memorySizeMb: 128,
  };
  const handlers = deployableHandlers(projectRoot).filter((h) => !ONLY || ONLY.includes(h.id));
  const bundles: HandlerBundle[] = await bundleHandlers(projectRoot, [...handlers, hello], outDir);
  // What Lambda gives the API (its role's credentials, region, table and queues), DynamoDB being the stand-in.
  const apiEnv = {
    AWS_REGION: 'us-east-1',
    // As on Lambda: traced handlers load the X-Ray tracer only where this is set (functions/middleware/traced.ts).
    AWS_LAMBDA_FUNCTION_NAME: 'meshplane-coldstart-bench',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_SESSION_TOKEN: 'bench',
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.url,
    TABLE_NAME: 'meshplane-bench',
    ...Object.fromEntries(QUEUES.map((q) => [q.urlEnv, `https://sqs.us-east-1.amazonaws.com/123456789012/${q.id}`])),
  };
  const answers = (id: string) => id === 'api' || id === 'hello-world';

  // Interleaved, so a slow moment of a shared machine spreads over every bundle alike.
  const deployed = new Map<string, Sample[]>(bundles.map((b) => [b.handlerId, []]));
  const eagerMaps = new Map<string, Sample[]>(bundles.map((b) => [b.handlerId, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const b of bundles) {
      deployed.get(b.handlerId)!.push(await sample(b.file, BUNDLE_RUNTIME_ENV.NODE_OPTIONS ?? '', answers(b.handlerId), apiEnv));
      eagerMaps.get(b.handlerId)!.push(await sample(b.file, EAGER_SOURCE_MAPS_NODE_OPTIONS, false, apiEnv));
    }
  }
  const ready = (id: string, q: number, samples = deployed) =>
    quantile(
      samples.get(id)!.map((s) => s.ready),
      q,
    );
  const answered = (id: string, q: number) =>
    quantile(
      deployed.get(id)!.map((s) => s.answered!),
      q,
    );
  const statuses = deployed.get('api')?.map((s) => s.status) ?? [];
  if (statuses.some((s) => s !== 404)) throw new Error(`the API answered ${[...new Set(statuses)].join(', ')} to its first request, not 404`);
  if (statuses.length && dynamodb.signed() < 2 * statuses.length) throw new Error(`the API sent ${dynamodb.signed()} signed DynamoDB requests, not 2 per run`);

  for (const bundle of bundles) {
    const id = bundle.handlerId;
    const callsClusters = handlers.find((h) => h.id === id)?.needs.kubernetes !== undefined;
    console.log(
      JSON.stringify({
        bench: 'coldstart',
        handler: id,
        bytes: bundle.bytes,
        kib: Math.round(bundle.bytes / 1024),
        files: bundle.files.length,
        // What the cold start reads: the entry and the chunks it imports statically (the rest loads on demand).
        initBytes: bundle.initBytes,
        initBytesByPackage: Object.fromEntries(bundle.initBytesByPackage),
        bytesOutsideKubernetes: bundle.bytesWithoutKubernetes,
        bytesByPackage: Object.fromEntries(bundle.bytesByPackage),
        sourceMapBytes: bundle.sourceMapBytes,
        runs: RUNS,
        readyMsP50: round(ready(id, 0.5)),
        readyMsP99: round(ready(id, 0.99)),
        helloWorldReadyMsP50: round(ready('hello-world', 0.5)),
        helloWorldReadyMsP99: round(ready('hello-world', 0.99)),
        ratioToHelloWorld: ratio(ready(id, 0.5), ready('hello-world', 0.5)),
        // With Node's --enable-source-maps (as deployed before): the map read and decoded at load.
        readyMsP50WithNodeSourceMaps: round(ready(id, 0.5, eagerMaps)),
        ratioToHelloWorldWithNodeSourceMaps: ratio(ready(id, 0.5, eagerMaps), ready('hello-world', 0.5, eagerMaps)),
        ...(answers(id)
          ? {
              firstAnswerMsP50: round(answered(id, 0.5)),
              firstAnswerMsP99: round(answered(id, 0.99)),
              helloWorldFirstAnswerMsP50: round(answered('hello-world', 0.5)),
              firstAnswerRatioToHelloWorld: ratio(answered(id, 0.5), answered('hello-world', 0.5)),
            }
          : {}),
        node: process.version,
        ...(id === 'api'
          ? { meetsTarget: bundle.bytes <= TARGET.apiBytes && ready(id, 0.5) <= TARGET.apiReadyRatio * ready('hello-world', 0.5) }
          : callsClusters
            ? { meetsTarget: bundle.bytesWithoutKubernetes <= TARGET.outsideKubernetesBytes }
            : {}),
      }),
    );
  }
} finally {
  dynamodb.close();
  rmSync(outDir, { recursive: true, force: true });
}
