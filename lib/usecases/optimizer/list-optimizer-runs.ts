import type { Page, PageRequest } from '../../model/records.js';
import type { DocumentStore } from '../../ports/document-store.js';
import { OPTIMIZER_DOC, summarizeRun, type OptimizerRun, type OptimizerRunSummary } from './optimizer-run.js';

/**
 * Finished optimizer runs, newest first, each as its summary (costs before and after, counts of moves);
 * `GET /v1/optimizer/runs/{id}` has the whole run. Runs are kept 30 days.
 */
export async function listOptimizerRuns(store: Pick<DocumentStore, 'listDocuments'>, page: PageRequest): Promise<Page<OptimizerRunSummary>> {
  const runs = await store.listDocuments<OptimizerRun>(OPTIMIZER_DOC, page);
  return { items: runs.items.map(summarizeRun), ...(runs.nextCursor ? { nextCursor: runs.nextCursor } : {}) };
}
