import { createHash } from 'node:crypto';
import { canonicalJson } from '../model/canonical-json.js';
import type { ServiceSpec } from '../model/service-spec.js';

/**
 * Stable hash of a spec: the first 16 hex digits of the SHA-256 of its canonical JSON (keys sorted at
 * every level). Declaration order of dependencies and env does not change it; the order of rollout
 * steps does, because it is meaningful.
 */
export function specHash(spec: ServiceSpec): string {
  const canonical = {
    ...spec,
    dependencies: [...spec.dependencies].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)),
  };
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex').slice(0, 16);
}
