/**
 * Stack traces through the bundle's source map, read only when a stack is first formatted. Injected into
 * every Lambda bundle (esbuild `inject`, see `infra/bundling.ts`).
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

/** The bundle this code is part of (injected code shares the bundle's `import.meta`). */
const BUNDLE_URL = import.meta.url;

let map: SourceMap | null | undefined;

function bundleMap(): SourceMap | null {
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(new URL(`${BUNDLE_URL}.map`), 'utf8')));
    } catch {
      map = null; // no map shipped: frames stay as they are
    }
  }
  return map;
}

type Entry = { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };

function entryAt(line: number | null, column: number | null): Entry | undefined {
  if (line === null || column === null) return undefined;
  const entry = bundleMap()?.findEntry(line - 1, column - 1) as Entry | undefined;
  return entry?.originalSource ? entry : undefined;
}

/** A source of the map as a path, resolved against the map's location (as Node shows it). */
function displayPath(source: string): string {
  const url = new URL(source, BUNDLE_URL);
  return url.protocol === 'file:' ? fileURLToPath(url) : url.href;
}

/** One frame as Node prints it, at its source position when it is in the bundle. */
function frame(site: NodeJS.CallSite): string {
  if (site.getFileName() !== BUNDLE_URL) return site.toString();
  const entry = entryAt(site.getLineNumber(), site.getColumnNumber());
  if (!entry) return site.toString();
  const enclosing = entryAt(site.getEnclosingLineNumber(), site.getEnclosingColumnNumber());
  const typeName = site.isToplevel() ? null : site.getTypeName();
  const name = enclosing?.name ?? site.getFunctionName();
  const qualified = name ? `${typeName && typeName !== 'global' && !site.isConstructor() ? `${typeName}.` : ''}${name}` : undefined;
  const position = `${displayPath(entry.originalSource!)}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
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
