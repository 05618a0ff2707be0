/**
 * Reading and writing instances as JSON files (format: `PlacementInstance` in model.ts, described in
 * lib/placement/README.md). Loading validates the schema and every cross reference.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { NotFoundError, ValidationError } from '../errors.js';
import { compileInstance } from './compiled-instance.js';
import type { PlacementInstance, PlacementInstanceInput } from './model.js';

/** Parses and validates instance JSON text. Throws ValidationError listing every problem. */
export function parseInstance(text: string, source = 'instance'): PlacementInstance {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ValidationError([{ path: '', message: `not valid JSON (${(err as Error).message})` }], `${source} cannot be read`);
  }
  try {
    return compileInstance(json as PlacementInstanceInput).instance;
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(err.problems, `${source} is not a valid placement instance`);
    throw err;
  }
}

/** Reads an instance file. Throws NotFoundError when it does not exist, ValidationError when invalid. */
export async function loadInstance(path: string): Promise<PlacementInstance> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`instance file ${path} does not exist`, { cause: err });
    throw err;
  }
  return parseInstance(text, path);
}

/** Writes an instance as indented JSON (validated first, so only loadable files are written). */
export async function saveInstance(path: string, instance: PlacementInstanceInput): Promise<void> {
  const valid = compileInstance(instance).instance;
  await writeFile(path, `${JSON.stringify(valid, null, 2)}\n`, 'utf8');
}
