/**
 * Release trains: several services released together, in the order of the dependency graph (callees
 * first, independent services in parallel). A release is planned into levels; each item of a level is a
 * normal deployment of its service; a level starts only when the previous one is promoted. On a failure
 * the train stops and, with `onFailure: rollbackAll`, every item already released is rolled back in
 * reverse order. The release state machine (`lib/release/state-machine.ts`) drives it; the decisions
 * are `lib/release/decide.ts`, the plan `lib/release/plan.ts`.
 */
import * as z from 'zod';
import { containerImage, dns1123Label } from './names.js';

export const OnFailure = z.enum(['rollbackAll', 'stop']);
export type OnFailure = z.infer<typeof OnFailure>;

/** Body of `POST /v1/releases`; unknown fields are rejected, every problem reported. */
export const ReleaseRequest = z.strictObject({
  items: z
    .array(
      z.strictObject({
        service: dns1123Label.describe('A registered service'),
        image: containerImage.describe('The image to release'),
      }),
    )
    .min(1, 'must name at least one service')
    .max(100, 'at most 100 services per release')
    // On the array, not the object: it runs even when another field has a problem, so every problem is reported.
    .superRefine((items, ctx) => {
      const seen = new Map<string, number>();
      items.forEach((item, i) => {
        const first = seen.get(item.service);
        if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'service'], message: `"${item.service}" is already item ${first}` });
        else seen.set(item.service, i);
      });
    }),
  onFailure: OnFailure.default('rollbackAll').describe(
    'On a failure the train stops; rollbackAll (default) also rolls back every item already released, in reverse order',
  ),
});
export type ReleaseRequest = z.infer<typeof ReleaseRequest>;

/**
 * An item's state: not started (`pending`), its deployment in progress (`running`), promoted
 * (`succeeded`), its deployment failed and rolled back (`failed`), released and then rolled back by the
 * train (`rolledBack`), or stopped by the train before or while it ran (`aborted`).
 */
export type ReleaseItemStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'rolledBack' | 'aborted';

export interface ReleaseItem {
  service: string;
  image: string;
  /** Index of the plan level the item is in. */
  level: number;
  status: ReleaseItemStatus;
  /** The deployment that releases it (set when its level starts). */
  deploymentId?: string;
  /** The rollback deployment the train started for it, back to `fromRevision`. */
  rollbackDeploymentId?: string;
  /** Why the train could not roll it back (it stays released). */
  rollbackError?: string;
  /** The revision that was stable before the item was released (from its deployment). */
  fromRevision?: number;
  /** The revision its deployment promoted. */
  toRevision?: number;
  reason?: string;
}

/**
 * `pending` until the execution runs it, `running` while levels are released, `stopping` after a failure
 * or an abort while running items settle and (rollbackAll) released ones are rolled back, then
 * `succeeded`, `failed` or `aborted`.
 */
export type ReleaseStatus = 'pending' | 'running' | 'stopping' | 'succeeded' | 'failed' | 'aborted';

/** An observed call edge the plan left out because it would have closed a cycle with the declared graph. */
export interface IgnoredEdge {
  from: string;
  to: string;
  cycle: string[];
}

export interface ReleaseRecord {
  id: string;
  status: ReleaseStatus;
  onFailure: OnFailure;
  /** Services by level: level 0 first (callees), each level's items in parallel. */
  levels: string[][];
  items: ReleaseItem[];
  /** Seconds between the execution's looks at a level (the execution's input, kept for a restart). */
  intervalSeconds: number;
  /** The level being released (or the last one reached). */
  currentLevel: number;
  /** Whether the plan includes observed call edges (set by the execution's plan step). */
  planned?: { at: string; observedEdges: number; ignoredEdges: IgnoredEdge[]; observedUnavailable?: string };
  /** A person asked to abort. */
  requested?: 'abort';
  /** Why the train stopped (or failed to finish). */
  reason?: string;
  operationId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  endedAt?: string;
}

export const RELEASE_ENDED: ReadonlySet<ReleaseStatus> = new Set(['succeeded', 'failed', 'aborted']);

/** A call edge: `from` calls `to` (so `to` is released first). */
export interface CallEdge {
  from: string;
  to: string;
}
