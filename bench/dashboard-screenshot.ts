/**
 * Takes the README's screenshots of the dashboard (docs/mesh-view.png, and service-, rollout- and
 * placement-view.png beside it) from a real local runtime: a small shop registered through the API, one
 * canary held at a manual gate so the version split shows, once the probe has observed every service and
 * the calls on every edge (one service made slow and failing, so the edge colours differ).
 *
 * Run: npx tsx bench/dashboard-screenshot.ts [docs/mesh-view.png]
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { startMeshplaneLocal } from '../cli/local-runtime.js';
import { launchChromium } from '../test/support/browser.js';

const out = process.argv[2] ?? 'docs/mesh-view.png';

const SHOP: { name: string; replicas: number; calls: [string, number][] }[] = [
  {
    name: 'storefront',
    replicas: 3,
    calls: [
      ['catalog', 120],
      ['cart', 60],
      ['users', 40],
    ],
  },
  {
    name: 'checkout',
    replicas: 2,
    calls: [
      ['cart', 30],
      ['payments', 25],
      ['orders', 25],
      ['users', 20],
    ],
  },
  {
    name: 'catalog',
    replicas: 3,
    calls: [
      ['inventory', 80],
      ['search', 50],
    ],
  },
  { name: 'cart', replicas: 2, calls: [['inventory', 30]] },
  {
    name: 'orders',
    replicas: 2,
    calls: [
      ['inventory', 20],
      ['notifications', 10],
    ],
  },
  { name: 'payments', replicas: 2, calls: [['fraud-check', 25]] },
  { name: 'users', replicas: 2, calls: [] },
  { name: 'inventory', replicas: 3, calls: [] },
  { name: 'search', replicas: 2, calls: [] },
  { name: 'fraud-check', replicas: 1, calls: [] },
  { name: 'notifications', replicas: 1, calls: [] },
];

async function post(url: string, body: unknown): Promise<{ operationId?: string; deploymentId?: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 202) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { operationId?: string; deploymentId?: string };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

process.env.LOG_LEVEL ??= 'WARN';
const runtime = await startMeshplaneLocal({ port: 0, timeFactor: 0.05, sim: { readyDelayMs: 0 } });
const browser = await launchChromium();
try {
  const api = `${runtime.url}/v1`;
  // Callees first, so every dependency exists when its caller registers.
  for (const s of [...SHOP].reverse())
    await post(`${api}/services`, {
      name: s.name,
      image: `example/${s.name}:1.4.0`,
      port: 8080,
      replicas: s.replicas,
      dependencies: s.calls.map(([service, rps]) => ({ service, rps })),
    });
  await until('every service observed ready', async () => {
    const mesh = (await (await fetch(`${api}/mesh`)).json()) as { services: { health: string }[] };
    return mesh.services.length === SHOP.length && mesh.services.every((s) => s.health === 'healthy') ? true : undefined;
  });
  // One slow, failing service, so the edges' colours (by error rate) and p99s differ.
  runtime.sim?.faults.traffic({ image: 'example/fraud-check:1.4.0', errorRate: 0.08, p99LatencyMs: 400 });
  await until('the probe to record calls on every edge, fraud-check failing', async () => {
    const mesh = (await (await fetch(`${api}/mesh`)).json()) as { edges: { to: string; observed?: { errorRate: number } }[] };
    return mesh.edges.every((e) => e.observed) && mesh.edges.some((e) => e.to === 'fraud-check' && e.observed!.errorRate > 0.05) ? true : undefined;
  });
  const { deploymentId } = await post(`${api}/services/catalog/deployments`, {
    image: 'example/catalog:1.5.0',
    rollout: { steps: [{ weight: 25, pauseSeconds: 30, gate: 'manual' }, { weight: 100 }] },
  });
  await until('the canary paused at its gate', async () => {
    const d = (await (await fetch(`${api}/services/catalog/deployments/${deploymentId}`)).json()) as { status: string };
    return d.status === 'paused' ? true : undefined;
  });
  const page = await browser.newPage({ viewport: { width: 1500, height: 860 } });
  await page.goto(`${runtime.url}/#/mesh`);
  await page.waitForFunction(() => (globalThis as unknown as { __meshplaneRender?: unknown }).__meshplaneRender !== undefined);
  mkdirSync(dirname(out), { recursive: true });
  const shot = async (path: string) => {
    await new Promise((r) => setTimeout(r, 1_500));
    await page.screenshot({ path });
    console.log(JSON.stringify({ screenshot: path }));
  };
  await shot(out);
  await page.goto(`${runtime.url}/#/services/catalog`);
  await page.locator('[data-type="TrafficShifted"]').first().waitFor();
  await shot(join(dirname(out), 'service-view.png'));
  await page.goto(`${runtime.url}/#/services/catalog/deployments/${deploymentId}`);
  await page.locator('.analysis').first().waitFor();
  await shot(join(dirname(out), 'rollout-view.png'));
  await page.goto(`${runtime.url}/#/placement`);
  await page.getByRole('button', { name: 'What if? (dry run)' }).click();
  await page.locator('.run').first().waitFor({ timeout: 120_000 });
  await shot(join(dirname(out), 'placement-view.png'));
} finally {
  await browser.close();
  await runtime.stop();
}
