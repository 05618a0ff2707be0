import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, OutputFile } from 'esbuild';

/** The dashboard's browser sources (Preact + Cytoscape.js, TSX), bundled by esbuild into one JS and one CSS file. */
export const DASHBOARD_ENTRY = fileURLToPath(new URL('../../dashboard/src/main.tsx', import.meta.url));

/** The URL paths of the page and its entry files; `/` serves the page. Chunks are `/assets/chunk-<hash>.js`. */
export const DASHBOARD_FILES = { page: '/', script: '/assets/app.js', style: '/assets/app.css' } as const;

export interface DashboardFile {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
}

export type DashboardBundle = Record<string, DashboardFile>;

export const DASHBOARD_BUILD_OPTIONS: BuildOptions = {
  entryPoints: { app: DASHBOARD_ENTRY },
  bundle: true,
  // Cytoscape.js is its own chunk, loaded only for meshes small enough for it (mesh-view.tsx).
  splitting: true,
  chunkNames: 'chunk-[hash]',
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  write: false,
  outdir: '/assets',
  logLevel: 'silent',
  define: { 'process.env.NODE_ENV': '"production"' },
};

/** The page: static, no inline script (a strict Content-Security-Policy holds). */
export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>meshplane</title>
<link rel="stylesheet" href="${DASHBOARD_FILES.style.slice(1)}">
<script type="module" src="${DASHBOARD_FILES.script.slice(1)}"></script>
</head>
<body><div id="app"></div></body>
</html>
`;

/** Security headers of every dashboard file (the page loads only its own script and style and talks only to its origin). */
export const DASHBOARD_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

function file(body: Buffer | string, contentType: string): DashboardFile {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return { body: buffer, gzipped: gzipSync(buffer, { level: 9 }), contentType };
}

export function toBundle(outputs: OutputFile[]): DashboardBundle {
  const bundle: DashboardBundle = { [DASHBOARD_FILES.page]: file(DASHBOARD_PAGE, 'text/html; charset=utf-8') };
  for (const out of outputs) {
    const name = `/assets/${basename(out.path)}`;
    bundle[name] = file(Buffer.from(out.contents), name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8');
  }
  return bundle;
}

let built: Promise<DashboardBundle> | undefined;

/**
 * The bundle, built on first request and kept for the life of the process (~0.3 s; `npm start` pays it
 * when the dashboard is first opened, not at start, and tests that never open it never build it).
 */
export function dashboardBundle(): Promise<DashboardBundle> {
  built ??= import('esbuild')
    .then(({ build }) => build(DASHBOARD_BUILD_OPTIONS))
    .then((result) => toBundle(result.outputFiles ?? []))
    .catch((err: unknown) => {
      built = undefined;
      throw err;
    });
  return built;
}

/** Writes the bundle into `dir` as the hosting serves it: index.html, assets/app.js, assets/app.css. */
export function writeBundle(dir: string, bundle: DashboardBundle): void {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const [path, f] of Object.entries(bundle)) writeFileSync(join(dir, path === '/' ? 'index.html' : path.slice(1)), f.body);
}
