/**
 * Issue 18: the dashboard in a real browser (Debian's Chromium through playwright-core) against the
 * whole local runtime: the page served at `/`, the API it calls, the audit event stream it follows.
 * Services are registered and deployments requested through the API as a user would from a terminal;
 * the test reads only what the page shows, except the manual gate, released with the page's button.
 * Skipped, with the reason, where Chromium is not installed. A failing test leaves a screenshot in
 * test-results/dashboard/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launchChromium, screenshotOnFailure } from '../support/browser.js';
import { startE2eRuntime, type E2eRuntime } from './support/e2e-runtime.js';

const missing = chromiumMissing();
if (missing) console.warn(missing);

const image = (service: string, version: string) => `registry.example.com/dash/${service}:${version}`;
const QUICK_STEPS = [
  { weight: 20, pauseSeconds: 30 },
  { weight: 50, pauseSeconds: 30 },
  { weight: 100, pauseSeconds: 30 },
];
/** Generous: the machine running the suite is shared. */
const UI_TIMEOUT_MS = 60_000;
/** Per test: registrations, rollouts and the page's waits, on a loaded machine. */
const TEST_TIMEOUT_MS = 240_000;

describe.skipIf(missing !== undefined)('dashboard in Chromium', () => {
  let rt: E2eRuntime;
  let browser: Browser;

  beforeAll(async () => {
    [rt, browser] = await Promise.all([startE2eRuntime(), launchChromium()]);
  });

  afterAll(async () => {
    await browser?.close();
    await rt?.stop();
  });

  /** Uncaught errors in each page, checked when the test closes it. */
  const pageErrors = new Map<Page, string[]>();

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const problems: string[] = [];
    pageErrors.set(page, problems);
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${rt.url}/${path}`);
    return page;
  }

  async function close(page: Page): Promise<void> {
    await page.close();
    expect(pageErrors.get(page)).toEqual([]);
  }

  it(
    'shows two registered services and the call between them on the mesh graph, live',
    async () => {
      const page = await open('');
      await screenshotOnFailure(page, 'mesh-two-services', async () => {
        await page.getByText('No services yet').waitFor({ timeout: UI_TIMEOUT_MS });
        await rt.api.register({ name: 'user-service', image: image('user-service', '1.0'), port: 8080, replicas: 3 });
        await rt.api.register({
          name: 'order-service',
          image: image('order-service', '1.0'),
          port: 8081,
          replicas: 2,
          dependencies: [{ service: 'user-service', rps: 50 }],
        });
        // No reload: the page learns of the registrations from the event stream (or its polling).
        const services = page.getByRole('list', { name: 'services' });
        await services.locator('[data-service="user-service"]').waitFor({ timeout: UI_TIMEOUT_MS });
        await services.locator('[data-service="order-service"]').waitFor({ timeout: UI_TIMEOUT_MS });
        await page.locator('[data-edge="order-service->user-service"]').first().waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
        // In the page (this file is type-checked without the DOM library): what Cytoscape has drawn.
        type Rendered = { __meshplaneRender?: { services: number; edges: number } };
        await page.waitForFunction(() => (globalThis as unknown as Rendered).__meshplaneRender?.services === 2, undefined, { timeout: UI_TIMEOUT_MS });
        const graph = await page.evaluate(() => (globalThis as unknown as Rendered).__meshplaneRender);
        expect(graph).toMatchObject({ services: 2, edges: 1 });
        // Replicas as observed by the probe: 3/3 and 2/2 ready.
        await services.locator('[data-service="user-service"]', { hasText: '3/3' }).waitFor({ timeout: UI_TIMEOUT_MS });
        await services.locator('[data-service="order-service"]', { hasText: '2/2' }).waitFor({ timeout: UI_TIMEOUT_MS });
        expect(await page.locator('[data-edge="order-service->user-service"]').first().textContent()).toContain('50 rps');
        // The health probe records the calls the mesh saw on the edge; the page then shows their rate, errors and p99.
        await page
          .locator('[data-edge="order-service->user-service"]', { hasText: /observed [\d.]+ rps · errors [\d.]+% · p99/ })
          .first()
          .waitFor({ state: 'attached', timeout: UI_TIMEOUT_MS });
        await page.locator('[data-traffic-age]', { hasText: /calls observed \d+s ago/ }).waitFor({ timeout: UI_TIMEOUT_MS });

        // Selecting a service opens it: pods by zone, the registration in its events.
        await services.getByRole('link', { name: 'user-service' }).click();
        await page
          .getByRole('heading', { name: /user-service/ })
          .first()
          .waitFor({ timeout: UI_TIMEOUT_MS });
        await page.getByRole('list', { name: 'events' }).locator('[data-type="ServiceRegistered"]').waitFor({ timeout: UI_TIMEOUT_MS });
        expect(await page.locator('.zone').count()).toBeGreaterThanOrEqual(2);
      });
      await close(page);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'follows a bad canary in the rollout view until it is rolled back',
    async () => {
      const name = 'payments';
      await rt.api.register({ name, image: image(name, '1.0'), port: 8080, replicas: 3, rollout: { steps: QUICK_STEPS } });
      await rt.api.waitForReadyReplicas(name, 3);
      const bad = image(name, '2.0-bad');
      rt.sim.faults.traffic({ image: bad, errorRate: 0.2 });
      const { deploymentId } = await rt.api.deploy(name, { image: bad });
      const page = await open(`#/services/${name}/deployments/${deploymentId}`);
      await screenshotOnFailure(page, 'rollout-rolled-back', async () => {
        await page.locator('[data-status="rolledBack"]').waitFor({ timeout: UI_TIMEOUT_MS * 2 });
        await page.locator('.timeline [data-step="0"][data-state="fail"]').waitFor({ timeout: UI_TIMEOUT_MS });
        // The analysis that failed it: the canary's error rate against the 1% limit, marked over.
        const analysis = page.locator('.analysis[data-step="0"]');
        expect(await analysis.locator('tr', { hasText: 'error rate' }).first().locator('td.bad').count()).toBe(1);
        expect(await page.locator('.reason').textContent()).toMatch(/analysis failed: error rate/);
        expect(await page.getByRole('button', { name: 'Promote' }).isDisabled()).toBe(true);
      });
      await close(page);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'releases a manual gate with the promote button',
    async () => {
      const name = 'gated';
      await rt.api.register({ name, image: image(name, '1.0'), port: 8080, replicas: 3 });
      await rt.api.waitForReadyReplicas(name, 3);
      const { deploymentId } = await rt.api.deploy(name, {
        image: image(name, '2.0'),
        rollout: {
          steps: [
            { weight: 30, pauseSeconds: 30, gate: 'manual' },
            { weight: 100, pauseSeconds: 30 },
          ],
        },
      });
      const page = await open(`#/services/${name}/deployments/${deploymentId}`);
      await screenshotOnFailure(page, 'rollout-manual-gate', async () => {
        await page.locator('[data-status="paused"]').waitFor({ timeout: UI_TIMEOUT_MS * 2 });
        await page.getByRole('button', { name: 'Promote' }).click();
        await page.locator('[data-status="promoted"]').waitFor({ timeout: UI_TIMEOUT_MS * 2 });
        expect(await page.locator('.timeline [data-state="pass"]').count()).toBe(2);
      });
      await close(page);
      expect((await rt.api.deployment(name, deploymentId)).status).toBe('promoted');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'plans a what-if on the Placement view, lists it with its cost before and after, and opens it from the list',
    async () => {
      const page = await open('#/placement');
      await screenshotOnFailure(page, 'placement-runs', async () => {
        await page.getByRole('button', { name: 'What if? (dry run)' }).click();
        // The finished run opens (its hash route) and is the newest in the list of runs.
        await page.waitForURL(/#\/placement\/runs\/[^/]+$/, { timeout: UI_TIMEOUT_MS });
        const id = decodeURIComponent(new URL(page.url()).hash.split('/').at(-1)!);
        const run = await rt.api.expect<{ costBefore?: { dollarsPerMonth: number } }>(200, 'GET', `/v1/optimizer/runs/${id}`);
        await page.locator(`.run[data-run="${id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
        const row = page.getByRole('table', { name: 'optimizer runs' }).locator(`[data-run-row="${id}"]`);
        await row.waitFor({ timeout: UI_TIMEOUT_MS });
        expect(await row.textContent()).toContain('what-if');
        if (run.costBefore)
          expect(await row.textContent()).toContain(`$${run.costBefore.dollarsPerMonth.toFixed(run.costBefore.dollarsPerMonth >= 100 ? 0 : 2)}`);
        // Back to the view, then open the run from the list.
        await page.goto(`${rt.url}/#/placement`);
        await row.getByRole('link', { name: id }).click();
        await page.locator(`.run[data-run="${id}"]`).waitFor({ timeout: UI_TIMEOUT_MS });
      });
      await close(page);
    },
    TEST_TIMEOUT_MS,
  );
});
