import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/** Reads one object from a YAML or JSON file (`-`: stdin), saying which file and why when it cannot. */
export function readDocument(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error('expected one object');
    return doc;
  } catch (err) {
    throw new Error(`${path} is not ${what} in YAML or JSON: ${(err as Error).message}`);
  }
}
