import { VersionConflictError } from '../../errors.js';
import type { DocumentStore, StoredDocument } from '../../ports/document-store.js';
import type { CoreDeps } from '../deps.js';
import { emptyMemory, HEALTH_DOCS, type ServiceHealthMemory } from './health-deps.js';

const ATTEMPTS = 5;

/**
 * Read-modify-write of a service's health memory with optimistic concurrency: `change` sees the latest
 * memory (an empty one if none is stored) and returns the new one, or undefined when there is nothing
 * to write. On a lost race it reads again and applies `change` to the fresh memory, so a writer keeps
 * only its own fields and never drops another writer's. `known` is the document the caller has just
 * read, used for the first attempt instead of reading it again; once this returns true, it holds the
 * memory as stored now (what was written, or the latest read when nothing was), so a later change can
 * start from it without a read.
 *
 * Returns false when the memory kept changing for every attempt (nothing was written).
 */
export async function updateHealthMemory(
  deps: Pick<CoreDeps<DocumentStore>, 'store'>,
  service: string,
  change: (memory: ServiceHealthMemory) => ServiceHealthMemory | undefined,
  known?: { doc: StoredDocument<ServiceHealthMemory> | undefined },
): Promise<boolean> {
  const [kind] = HEALTH_DOCS.service(service);
  let doc = known ? known.doc : await deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(service));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) doc = await deps.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service(service));
    const next = change(doc?.value ?? emptyMemory());
    if (next === undefined) {
      if (known) known.doc = doc;
      return true;
    }
    try {
      const version = await deps.store.putDocument(kind, service, next, doc?.version ?? null);
      if (known) known.doc = { value: next, version };
      return true;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  return false;
}
