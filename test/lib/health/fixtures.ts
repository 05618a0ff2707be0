import { readFileSync } from 'node:fs';

/** Reads a JSON fixture next to this file. */
export function loadFixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));
}

/** Deep copy of a fixture with `patch` applied to the parsed object. */
export function fixtureWith<T = Record<string, any>>(name: string, patch: (event: any) => void): T {
  const event = loadFixture(name) as any;
  patch(event);
  return event as T;
}
