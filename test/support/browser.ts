/**
 * Headless Chromium for the dashboard's browser tests and bench: Debian's `chromium` package driven by
 * playwright-core (no browser download). `.ci/run` installs the package; where it is missing the
 * browser tests skip and say so.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** CHROMIUM_PATH, else Debian's package. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `no Chromium at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH; the dashboard browser tests are skipped`;
}

export function launchChromium(): Promise<Browser> {
  // The sandbox needs user namespaces, which containers (and root) often lack.
  return chromium.launch({ executablePath: CHROMIUM_PATH, chromiumSandbox: false, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Where screenshots of failed browser tests go (gitignored). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-results', 'dashboard');

/** Runs `body`; when it fails, saves a full-page screenshot named after `name` and fails with where it is. */
export async function screenshotOnFailure(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, '-')}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => undefined);
    (err as Error).message += `\n(screenshot: ${path})`;
    throw err;
  }
}
