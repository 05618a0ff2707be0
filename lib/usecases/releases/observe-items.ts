import type { ReleaseItem, ReleaseRecord } from '../../model/release.js';
import type { ItemObservation } from '../../release/decide.js';
import type { ReleaseStores } from './release-deps.js';
import type { CoreDeps } from '../deps.js';
import { itemIds, itemRollbackIds } from './release-ids.js';

/** What a deployment that has not been recorded yet tells: whether the operation requesting it failed. */
async function requestFailure(deps: CoreDeps<ReleaseStores>, operationId: string): Promise<string | undefined> {
  const op = await deps.store.getOperation(operationId);
  return op?.status === 'failed' ? (op.reason ?? 'failed') : undefined;
}

async function observeItem(deps: CoreDeps<ReleaseStores>, releaseId: string, item: ReleaseItem): Promise<ItemObservation> {
  const observation: ItemObservation = {};
  if (item.deploymentId) {
    observation.deployment = await deps.store.getDeployment(item.service, item.deploymentId);
    if (!observation.deployment) observation.requestFailed = await requestFailure(deps, itemIds(releaseId, item.service).operationId);
  }
  if (item.rollbackDeploymentId) {
    observation.rollback = await deps.store.getDeployment(item.service, item.rollbackDeploymentId);
    if (!observation.rollback) observation.rollbackRequestFailed = await requestFailure(deps, itemRollbackIds(releaseId, item.service).operationId);
  }
  return observation;
}

/** The deployments (and rollbacks) of the release's items that `include` selects, by service. */
export async function observeItems(
  deps: CoreDeps<ReleaseStores>,
  release: ReleaseRecord,
  include: (item: ReleaseItem) => boolean = () => true,
): Promise<Record<string, ItemObservation>> {
  const items = release.items.filter(include);
  const observed = await Promise.all(items.map((item) => observeItem(deps, release.id, item)));
  return Object.fromEntries(items.map((item, i) => [item.service, observed[i]]));
}
