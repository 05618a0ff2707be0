/**
 * The decisions of a release train (pure; the release tasks observe and act, these decide). Table cases:
 * `test/lib/release/decide.test.ts`.
 *
 * - {@link observeItem}: an item's status from its deployment (or the operation that requests it).
 * - {@link decideLevel}: after an interval, whether the current level goes on (`wait`), is promoted
 *   (`next`), or the train stops (`stop`: an item failed or was aborted, or a person aborted the release).
 * - {@link decideWindDown}: after the train stopped, what to do next: abort the deployments still
 *   running, mark items never started `aborted`, then (rollbackAll) roll back released items level by
 *   level in reverse order, each rollback awaited before the level below starts; `end` when nothing is left.
 */
import type { DeploymentRecord } from '../model/records.js';
import type { ReleaseItem, ReleaseRecord } from '../model/release.js';

/** What the release reads of a deployment. */
export type DeploymentView = Pick<DeploymentRecord, 'status' | 'fromRevision' | 'toRevision' | 'reason' | 'requested'>;

/** What was observed of one item: its deployment, and the rollback deployment the train started for it. */
export interface ItemObservation {
  deployment?: DeploymentView;
  /** The deploy request itself failed (its operation), e.g. the service was deregistered meanwhile. */
  requestFailed?: string;
  rollback?: DeploymentView;
  rollbackRequestFailed?: string;
}

const ACTIVE = new Set<DeploymentRecord['status']>(['pending', 'running', 'paused']);

/** An item's status from what its deployment says (items that have not started stay as they are). */
export function observeItem(item: ReleaseItem, observed: ItemObservation | undefined): ReleaseItem {
  if (item.status !== 'running') return item;
  if (observed?.requestFailed) return { ...item, status: 'failed', reason: `its deploy request failed: ${observed.requestFailed}` };
  const d = observed?.deployment;
  if (!d || ACTIVE.has(d.status)) return item;
  const base = { ...item, fromRevision: d.fromRevision };
  switch (d.status) {
    case 'promoted':
      return { ...base, status: 'succeeded', toRevision: d.toRevision, reason: undefined };
    case 'aborted':
    case 'superseded':
      return { ...base, status: 'aborted', reason: `its deployment was ${d.status}${d.reason ? `: ${d.reason}` : ''}` };
    default:
      return {
        ...base,
        status: 'failed',
        reason: `its deployment ${d.status === 'rolledBack' ? 'was rolled back' : 'failed'}${d.reason ? `: ${d.reason}` : ''}`,
      };
  }
}

export type LevelDecision = 'wait' | 'next' | 'stop';

export interface LevelOutcome {
  items: ReleaseItem[];
  decision: LevelDecision;
  /** Why the train stops. */
  reason?: string;
}

/** See the module comment: the level `levelIndex`, `observations` by service. */
export function decideLevel(release: ReleaseRecord, levelIndex: number, observations: Record<string, ItemObservation>): LevelOutcome {
  const items = release.items.map((item) => (item.level === levelIndex ? observeItem(item, observations[item.service]) : item));
  if (release.requested === 'abort') return { items, decision: 'stop', reason: 'aborted on request' };
  if (release.status !== 'running') return { items, decision: 'stop', reason: release.reason };
  const level = items.filter((i) => i.level === levelIndex);
  const bad = level.filter((i) => i.status === 'failed' || i.status === 'aborted');
  if (bad.length > 0)
    return { items, decision: 'stop', reason: bad.map((i) => `${i.service} ${i.status === 'failed' ? 'failed' : 'was aborted'}: ${i.reason}`).join('; ') };
  if (level.every((i) => i.status === 'succeeded')) return { items, decision: 'next' };
  return { items, decision: 'wait' };
}

export type WindDownDecision = 'wait' | 'end';

export interface WindDownOutcome {
  items: ReleaseItem[];
  /** Running deployments to abort (items by service). */
  abort: string[];
  /** Released items to roll back now (by service): one level at a time, the highest first. */
  rollback: string[];
  decision: WindDownDecision;
}

/** See the module comment. `observations` by service. */
export function decideWindDown(release: ReleaseRecord, observations: Record<string, ItemObservation>): WindDownOutcome {
  let items = release.items.map((item) => {
    if (item.status === 'pending') return { ...item, status: 'aborted' as const, reason: 'not started: the train stopped' };
    return observeItem(item, observations[item.service]);
  });
  const running = items.filter((i) => i.status === 'running');
  if (running.length > 0) {
    // Abort the ones whose deployment is recorded and not yet asked to abort; the rest are awaited.
    const abort = running.filter((i) => {
      const d = observations[i.service]?.deployment;
      return d !== undefined && ACTIVE.has(d.status) && d.requested !== 'abort';
    });
    return { items, abort: abort.map((i) => i.service), rollback: [], decision: 'wait' };
  }
  if (release.onFailure !== 'rollbackAll') return { items, abort: [], rollback: [], decision: 'end' };

  // Rollbacks in flight: settle them.
  items = items.map((item) => {
    if (item.status !== 'succeeded' || !item.rollbackDeploymentId || item.rollbackError) return item;
    const o = observations[item.service];
    if (o?.rollbackRequestFailed) return { ...item, rollbackError: `its rollback could not be requested: ${o.rollbackRequestFailed}` };
    const r = o?.rollback;
    if (!r || ACTIVE.has(r.status)) return item;
    if (r.status === 'promoted') return { ...item, status: 'rolledBack', reason: `rolled back to revision ${item.fromRevision} after the train stopped` };
    return { ...item, rollbackError: `its rollback ended ${r.status}${r.reason ? `: ${r.reason}` : ''}; it stays on revision ${item.toRevision ?? '?'}` };
  });
  const toUndo = items.filter((i) => i.status === 'succeeded' && !i.rollbackError);
  if (toUndo.length === 0) return { items, abort: [], rollback: [], decision: 'end' };
  const top = Math.max(...toUndo.map((i) => i.level));
  const level = toUndo.filter((i) => i.level === top);
  return { items, abort: [], rollback: level.filter((i) => !i.rollbackDeploymentId).map((i) => i.service), decision: 'wait' };
}
