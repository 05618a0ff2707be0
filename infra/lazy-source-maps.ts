/**
 * Stack traces through the bundle's source maps (one per module: `index.mjs` and each chunk), each read only
 * when a stack first shows a frame of its module. Injected into every Lambda bundle (esbuild `inject`, see
 * `infra/bundling.ts`).
 *
 * Node's `--enable-source-maps` reads and decodes the whole map when it loads the module: about as much
 * time as parsing the bundle itself, at every cold start (`bench/coldstart.bench.ts`). Here the map is
 * read the first time an error's stack is formatted, and the frames in the bundle are shown at their
 * TypeScript positions, named as in the source, like Node does. Under `--enable-source-maps` Node's own
 * mapping is left in place.
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The module of the bundle this code is part of (injected code shares its module's `import.meta`). */
const BUNDLE_URL = import.meta.url;
/** The bundle's directory: `index.mjs` and the chunks of its dynamic imports, each with its map. */
const BUNDLE_DIR = new URL('.', BUNDLE_URL).href;

const maps = new Map<string, SourceMap | null>();

/** The map of one module of the bundle, read the first time one of its frames is formatted. */
function mapOf(moduleUrl: string): SourceMap | null {
  let map = maps.get(moduleUrl);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(new URL(`${moduleUrl}.map`), 'utf8')));
    } catch {
      map = null; // no map shipped: frames stay as they are
    }
    maps.set(moduleUrl, map);
  }
  return map;
}

type Entry = { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };

function entryAt(moduleUrl: string, line: number | null, column: number | null): Entry | undefined {
  if (line === null || column === null) return undefined;
  const entry = mapOf(moduleUrl)?.findEntry(line - 1, column - 1) as Entry | undefined;
  return entry?.originalSource ? entry : undefined;
}

/** A source of a map as a path, resolved against the map's location (as Node shows it). */
function displayPath(source: string, moduleUrl: string): string {
  const url = new URL(source, moduleUrl);
  return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
}

/** One frame as Node prints it, at its source position when it is in the bundle. */
function frame(site: NodeJS.CallSite): string {
  const file = site.getFileName();
  if (!file?.startsWith(BUNDLE_DIR) || !file.endsWith('.mjs') || file.slice(BUNDLE_DIR.length).includes('/')) return site.toString();
  const entry = entryAt(file, site.getLineNumber(), site.getColumnNumber());
  if (!entry) return site.toString();
  const enclosing = entryAt(file, site.getEnclosingLineNumber(), site.getEnclosingColumnNumber());
  const typeName = site.isToplevel() ? null : site.getTypeName();
  const name = enclosing?.name ?? site.getFunctionName();
  const qualified = name ? `${typeName && typeName !== 'global' && !site.isConstructor() ? `${typeName}.` : ''}${name}` : undefined;
  const position = `${displayPath(entry.originalSource!, file)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
  const prefix = `${site.isAsync() ? 'async ' : ''}${site.isConstructor() ? 'new ' : ''}`;
  return qualified ? `${prefix}${qualified} (${position})` : `${prefix}${position}`;
}

function header(error: unknown): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return String(error);
  }
}

if (!process.sourceMapsEnabled) {
  Error.prepareStackTrace = (error, sites) => {
    try {
      return [header(error), ...sites.map((site) => `    at ${frame(site)}`)].join('\n');
    } catch {
      return [header(error), ...sites.map((site) => `    at ${site}`)].join('\n');
    }
  };
}
