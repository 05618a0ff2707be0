/**
 * The dashboard: time to first meaningful render of the mesh view in headless Chromium (Debian's package
 * through playwright-core) for 100 and 1,000 services, and the bundle's size. One JSON line per case.
 *
 * The page and its assets come from the local front door exactly as `npm start` serves them; `GET /v1/mesh`
 * answers a synthetic mesh (bench/fixtures/mesh-fixture.ts) so the figure is the dashboard's own work —
 * fetch, parse, layout, Cytoscape's first frame — not the time it takes to register 1,000 services.
 * "First meaningful render": from navigation start to the first frame Cytoscape drew with every service
 * and call (`__meshplaneRender.atMs`; Cytoscape.js draws up to 60 services, the plain canvas overview above). Each run opens a fresh browser context (cold cache). Also printed: the
 * renderer process's CPU time until then (the figure on an idle machine, roughly) and the load average,
 * since on a shared machine wall-clock time grows with everyone else's work.
 *
 * Run: npm run bench:dashboard [-- --runs 5]
 */
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { AuditEventFeed } from '../lib/local/audit-event-feed.js';
import { dashboardBundle, DASHBOARD_FILES } from '../lib/local/dashboard-bundle.js';
import { startHttpFrontDoor } from '../lib/local/http-front-door.js';
import { localRoutes } from '../lib/local/local-routes.js';
import { chromiumMissing, launchChromium } from '../test/support/browser.js';
import { syntheticMesh } from './fixtures/mesh-fixture.js';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
const SIZES = [100, 1_000];

function report(values: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'dashboard', ...values }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x);

async function main(): Promise<void> {
  const built = performance.now();
  const bundle = await dashboardBundle();
  const buildMs = performance.now() - built;
  const js = bundle[DASHBOARD_FILES.script];
  const css = bundle[DASHBOARD_FILES.style];
  const page = bundle[DASHBOARD_FILES.page];
  const all = Object.values(bundle);
  report({
    case: 'bundle',
    buildMs: round(buildMs),
    // What the page loads first (page, entry script, stylesheet); Cytoscape's chunk follows only for meshes it draws.
    initialBytes: js.body.length + css.body.length + page.body.length,
    initialGzipBytes: js.gzipped.length + css.gzipped.length + page.gzipped.length,
    files: Object.fromEntries(Object.entries(bundle).map(([path, f]) => [path, { bytes: f.body.length, gzipBytes: f.gzipped.length }])),
    totalBytes: all.reduce((a, f) => a + f.body.length, 0),
    totalGzipBytes: all.reduce((a, f) => a + f.gzipped.length, 0),
  });

  const missing = chromiumMissing();
  if (missing) {
    report({ case: 'render', skipped: missing });
    return;
  }
  let mesh = syntheticMesh(SIZES[0]);
  let body = JSON.stringify(mesh);
  const door = await startHttpFrontDoor(
    async (event) =>
      event.rawPath === '/v1/mesh'
        ? { statusCode: 200, headers: { 'content-type': 'application/json' }, body }
        : { statusCode: 404, headers: { 'content-type': 'application/json' }, body: '{"error":{"code":"NOT_FOUND","message":"bench"}}' },
    0,
    '127.0.0.1',
    {},
    {},
    localRoutes(new AuditEventFeed()),
  );
  const browser = await launchChromium();
  try {
    for (const size of SIZES) {
      mesh = syntheticMesh(size);
      body = JSON.stringify(mesh);
      const firstRender: number[] = [];
      const graph: number[] = [];
      const cpu: number[] = [];
      let renderer = '';
      for (let run = 0; run < RUNS + 1; run++) {
        const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
        const tab = await context.newPage();
        const cdp = await context.newCDPSession(tab);
        await cdp.send('Performance.enable');
        const processTime = async () =>
          ((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.find((m) => m.name === 'ProcessTime')?.value ??
          NaN;
        const cpuBefore = await processTime();
        await tab.goto(`${door.url}/#/mesh`);
        const rendered = await tab.waitForFunction(
          (n) => {
            const r = (globalThis as unknown as { __meshplaneRender?: { services: number; atMs: number; graphMs: number; renderer: string } })
              .__meshplaneRender;
            return r && r.services === n ? r : undefined;
          },
          size,
          { timeout: 60_000, polling: 50 },
        );
        const r = (await rendered.jsonValue()) as { atMs: number; graphMs: number; renderer: string };
        renderer = r.renderer;
        const cpuMs = ((await processTime()) - cpuBefore) * 1000;
        await context.close();
        if (run === 0) continue; // warm-up: the first launch pays for Chromium's own start-up
        firstRender.push(r.atMs);
        graph.push(r.graphMs);
        cpu.push(cpuMs);
      }
      report({
        case: 'render',
        services: size,
        edges: mesh.edges.length,
        renderer,
        meshJsonBytes: Buffer.byteLength(body),
        runs: RUNS,
        firstRenderMsMedian: round(median(firstRender)),
        firstRenderMsMax: round(Math.max(...firstRender)),
        graphMsMedian: round(median(graph)),
        // CPU time of the page's renderer process up to that frame: what the figure would be on an idle machine, roughly.
        rendererCpuMsMedian: round(median(cpu)),
        targetMs: 2_000,
        // The machine is shared: wall-clock figures grow with its load.
        loadAverage1m: +loadavg()[0].toFixed(1),
        cores: availableParallelism(),
      });
    }
  } finally {
    await browser.close();
    await door.stop();
  }
}

await main();
