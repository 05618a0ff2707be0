import { HealthSignal } from '../../health/health-signal.js';
import { emptyLedger, settlePending, type RemediationLedger, type SeenShard } from '../../health/remediation-ledger.js';
import type { ActDecision, Decision } from '../../health/remediation-types.js';
import { errorMessage, isRetryable, TransientError, VersionConflictError } from '../../errors.js';
import type { EventEnvelope } from '../../model/events.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../model/observed-status.js';
import type { AuditEvent, ServiceRecord } from '../../model/records.js';
import type { DocumentWrite, StoredDocument } from '../../ports/document-store.js';
import { auditEvent } from '../shared/mutate.js';
import { contextReads, healthContextOf } from './build-health-context.js';
import { executeRemediation } from './execute-remediation.js';
import { emptyMemory, HEALTH_DOCS, type RemediationDeps, type ServiceHealthMemory } from './health-deps.js';
import { updateHealthMemory } from './health-memory.js';
import { decisionData, planSignalBatch, type BatchPlan, type MemoryChange, type ServiceView, type SignalPlan } from './plan-signal-batch.js';

const LEDGER_ATTEMPTS = 8;
/** Per-service part of the ledger (see SeenShard). */
const [SEEN_SHARD_KIND] = HEALTH_DOCS.shard('');
const SHARD_ATTEMPTS = 5;
/** Health memories (see HEALTH_DOCS). */
const [MEMORY_KIND] = HEALTH_DOCS.service('');
/** Most documents one transaction writes (DocumentTransactions.putDocuments). */
const TRANSACTION_ITEMS = 100;
/** A shard outlives what it remembers: seen ids (the dedup window) and pending actions (a day). */
const shardTtlSeconds = (deps: RemediationDeps) => Math.max(deps.remediationPolicy.dedupWindowSeconds, 86_400) + 3_600;

/**
 * Full-jitter wait before the next attempt on the ledger: concurrent batches that act write its one
 * global item, and retrying at once would lose the race again (and, after the last attempt, leave the
 * batch's messages waiting for the visibility timeout).
 */
const conflictBackoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(250, 10 * 2 ** attempt)));

export type HealthOutcome = { outcome: 'decided'; decision: Decision; result?: string } | { outcome: 'rejected'; reason: string };

/** One signal's end in a batch: its outcome, or the error that fails its message (the queue delivers it again). */
export type SignalResult = { ok: true; outcome: HealthOutcome } | { ok: false; error: unknown };

/** One health signal: a batch of one (see {@link handleHealthSignals}); throws what fails it. */
export async function handleHealthSignal(deps: RemediationDeps, event: EventEnvelope): Promise<HealthOutcome> {
  const [result] = await handleHealthSignals(deps, [event]);
  if (!result.ok) throw result.error;
  return result.outcome;
}

/**
 * The queue side of health signals, a batch at a time: decide every signal (pure policy, see
 * planSignalBatch) with its service's state (its pods as the probe last observed them: no cluster is
 * read) and the ledger, commit the ledger once for the whole batch — the global bucket and the shards of
 * the services decided, in one conditional transaction (so concurrent batches cannot both spend the last
 * token or both act on one duplicated alarm; the one that loses the race decides its batch again on the
 * fresh ledger) — then act and record why in the audit trail.
 *
 * Round trips per batch, whatever its size (up to DynamoDB's 100 keys a read): two batch reads before
 * deciding (ledger, memories, shards, observations and records; then the revisions the pods run), one
 * ledger transaction when a decision is final (the small global item only when one acts); then, side by
 * side, one memory write per service, one append of the batch's audit events, and per action its change
 * followed by one append for the outcomes and one shard write per service that acted.
 *
 * Actions run at least once: the action is pending in the service's shard, committed in the same
 * transaction that charges it, and cleared once it ran. If it fails in a way that may pass, its signal
 * fails (the queue redelivers it); the ledger then calls it a duplicate (it is not charged again) and the
 * pending action runs again. Every action is idempotent (see executeRemediation). An action that changes the cluster is
 * committed to the store here; its converger (on the alarm intake: a `service.converge` message to the
 * cluster side) makes the cluster follow, and the probe's reconcile re-applies if that fails.
 *
 * Returns one result per event, in order. A failure before the ledger is committed fails every signal
 * of the batch (nothing was decided); after it, only the signals it concerns.
 */
export async function handleHealthSignals(deps: RemediationDeps, events: EventEnvelope[]): Promise<SignalResult[]> {
  const results: SignalResult[] = new Array(events.length);
  const signals: { index: number; signal: HealthSignal }[] = [];
  const dropped: AuditEvent[] = [];
  events.forEach((event, index) => {
    const parsed = HealthSignal.safeParse(event.payload.signal);
    if (parsed.success) signals.push({ index, signal: parsed.data });
    else {
      dropped.push(
        auditEvent(deps, event.service, 'HealthSignalDropped', `a health event that is not a signal was dropped: ${parsed.error.issues[0]?.message}`),
      );
      results[index] = { ok: true, outcome: { outcome: 'rejected', reason: 'not a health signal' } };
    }
  });
  const failAll = (error: unknown) => {
    for (const { index } of signals) results[index] = { ok: false, error };
    return results;
  };
  try {
    if (dropped.length) await deps.store.appendEvents(dropped);
  } catch (error) {
    for (let i = 0; i < results.length; i++) results[i] = { ok: false, error };
    return results;
  }
  if (!signals.length) return results;

  const now = deps.clock.now();
  let read: BatchRead;
  let plan: BatchPlan;
  try {
    read = await readBatch(deps, [...new Set(signals.map((s) => s.signal.service))], now);
    plan = await decideAndCommit(
      deps,
      read,
      signals.map((s) => s.signal),
      now,
    );
  } catch (error) {
    return failAll(error);
  }
  const byPlan = new Map(plan.plans.map((p, i) => [p, signals[i].index]));
  const settle = (p: SignalPlan, result: SignalResult) => (results[byPlan.get(p)!] = result);
  const decided = (p: SignalPlan, result?: string): SignalResult => ({
    ok: true,
    outcome: { outcome: 'decided', decision: p.decision, ...(result ? { result } : {}) },
  });

  // The decisions stand (the ledger holds them): what follows fails only the signals it concerns, and a
  // redelivery of those is a duplicate that records, or carries out, what is still owed. The memories are
  // written while the batch acts and records (an action is pending in its shard already, and nothing here
  // reads them): a service whose memory could not be written fails its signals at the end.
  const memoryWrites = commitMemories(deps, read, plan.memoryChanges);

  for (const p of plan.plans) if (p.followUp.kind === 'quiet') settle(p, decided(p));
  for (const p of plan.plans) if (p.followUp.kind === 'retry') settle(p, { ok: false, error: new TransientError(p.followUp.reason) });
  const records = plan.plans.flatMap((p) =>
    p.followUp.kind === 'record' ? [{ p, event: auditEvent(deps, p.signal.service, p.followUp.type, p.followUp.message, p.followUp.data) }] : [],
  );
  const recording = async () => {
    try {
      if (records.length) await deps.store.recordEvents(records.map((r) => r.event));
      for (const { p } of records) settle(p, decided(p));
    } catch (error) {
      for (const { p } of records) settle(p, { ok: false, error });
    }
  };
  const [failedServices] = await Promise.all([
    memoryWrites,
    recording(),
    carryOut(
      deps,
      read,
      plan.plans.filter((p) => p.followUp.kind === 'act'),
      settle,
      decided,
    ),
  ]);
  for (const p of plan.plans) if (failedServices.has(p.signal.service)) settle(p, { ok: false, error: failedServices.get(p.signal.service) });
  return results;
}

/** What a batch reads before deciding, by service; the documents with their versions (for the conditional writes). */
interface BatchRead {
  ledger: StoredDocument<RemediationLedger> | undefined;
  memories: Map<string, { doc: StoredDocument<ServiceHealthMemory> | undefined }>;
  shards: Map<string, StoredDocument<SeenShard> | undefined>;
  views: Map<string, ServiceView>;
}

/**
 * Two batch reads: the global ledger and, for every service, its health memory, seen shard, observed
 * status and record; then the revisions the live services' pods run (and a rollout, for a service
 * whose traffic names one).
 */
async function readBatch(deps: RemediationDeps, names: string[], now: Date): Promise<BatchRead> {
  const refs = [HEALTH_DOCS.ledger, ...names.flatMap((n) => [HEALTH_DOCS.service(n), [SEEN_SHARD_KIND, n] as const, [OBSERVED_STATUS_DOC, n] as const])];
  const [docs, records] = await Promise.all([deps.store.getDocuments<unknown>(refs), deps.store.getServices(names)]);
  const live = new Map(records.filter((r) => r.phase !== 'deleted').map((r) => [r.name, r]));
  const doc = <T>(i: number) => docs[i] as StoredDocument<T> | undefined;
  const liveRecords = [...live.values()];
  const [revisions, rollouts] = await Promise.all([
    deps.store.getRevisions(liveRecords.map((r) => ({ service: r.name, revision: contextReads(r).revision }))),
    Promise.all(liveRecords.map((r) => (contextReads(r).deploymentId ? deps.store.getDeployment(r.name, contextReads(r).deploymentId!) : undefined))),
  ]);
  const rolloutOf = new Map(liveRecords.map((r, i) => [r.name, rollouts[i]]));
  const read: BatchRead = { ledger: doc<RemediationLedger>(0), memories: new Map(), shards: new Map(), views: new Map() };
  names.forEach((name, i) => {
    const memory = doc<ServiceHealthMemory>(1 + 3 * i);
    const shard = doc<SeenShard>(2 + 3 * i);
    const observed = doc<ObservedServiceStatus>(3 + 3 * i);
    const record: ServiceRecord | undefined = live.get(name);
    const podRevision = record && revisions.find((r) => r.service === name && r.revision === contextReads(record).revision);
    read.memories.set(name, { doc: memory });
    read.shards.set(name, shard);
    read.views.set(name, {
      live: record,
      memory: memory?.value ?? emptyMemory(),
      shard: shard?.value,
      context: record ? healthContextOf({ service: record, observed: observed?.value, podRevision, rollout: rolloutOf.get(name) }, [], now) : undefined,
    });
  });
  return read;
}

/**
 * Decides the batch and commits what it changed in the ledger: the global document when a decision
 * acts, and the shards of the services whose decisions were final, all in one conditional transaction.
 * On a lost race (or a transaction that collided) only the ledger and the shards are read again, and the
 * whole batch is decided again on them (deciding is pure and cheap), so the window between reading and
 * writing the ledger stays short.
 */
async function decideAndCommit(deps: RemediationDeps, read: BatchRead, signals: HealthSignal[], now: Date): Promise<BatchPlan> {
  const names = [...read.views.keys()];
  for (let attempt = 0; attempt < LEDGER_ATTEMPTS; attempt++) {
    if (attempt > 0) {
      await conflictBackoff(attempt - 1);
      const docs = await deps.store.getDocuments<unknown>([HEALTH_DOCS.ledger, ...names.map((n) => [SEEN_SHARD_KIND, n] as const)]);
      read.ledger = docs[0] as StoredDocument<RemediationLedger> | undefined;
      names.forEach((name, i) => {
        const shard = docs[1 + i] as StoredDocument<SeenShard> | undefined;
        read.shards.set(name, shard);
        read.views.set(name, { ...read.views.get(name)!, shard: shard?.value });
      });
    }
    const plan = planSignalBatch(signals, read.views, read.ledger?.value ?? emptyLedger(), deps.remediationPolicy, now);
    const shards = [...plan.shards];
    const writes: DocumentWrite[] = [
      ...(plan.ledger ? [{ kind: HEALTH_DOCS.ledger[0], id: HEALTH_DOCS.ledger[1], value: plan.ledger, expectedVersion: read.ledger?.version ?? null }] : []),
      ...shards.map(([name, value]) => ({
        kind: SEEN_SHARD_KIND,
        id: name,
        value,
        expectedVersion: read.shards.get(name)?.version ?? null,
        ttlSeconds: shardTtlSeconds(deps),
      })),
    ];
    if (!writes.length) return plan;
    try {
      const versions = await deps.store.putDocuments(writes);
      // What is stored now: settling the pending actions starts from it without a read.
      shards.forEach(([name, value], i) => read.shards.set(name, { value, version: versions[i + (plan.ledger ? 1 : 0)] }));
      return plan;
    } catch (err) {
      // A condition that failed (another batch wrote first), or on AWS a transaction that collided with another.
      if (!(err instanceof VersionConflictError || err instanceof TransientError)) throw err;
    }
  }
  throw new VersionConflictError('the remediation ledger kept changing; will retry');
}

/** A service's memory changes of the batch, in order, as one change. */
function combined(changes: MemoryChange[]): MemoryChange {
  return (memory) => {
    let changed = false;
    for (const change of changes) {
      const next = change(memory);
      if (next !== undefined) [memory, changed] = [next, true];
    }
    return changed ? memory : undefined;
  };
}

/**
 * Writes the batch's memory changes: all of them in one transaction on the memories as the batch read
 * them (one round trip instead of one per service); when that fails (a probe wrote one of them since),
 * each service's on its own, applied again to a fresher memory after a lost race. Resolves to the
 * services whose memory could not be written, with why.
 */
async function commitMemories(deps: RemediationDeps, read: BatchRead, changes: Map<string, MemoryChange[]>): Promise<Map<string, unknown>> {
  const writes = [...changes].flatMap(([service, list]) => {
    const known = read.memories.get(service)!;
    const value = combined(list)(known.doc?.value ?? emptyMemory());
    return value ? [{ service, value, known }] : [];
  });
  if (writes.length > 1 && writes.length <= TRANSACTION_ITEMS) {
    try {
      const versions = await deps.store.putDocuments(
        writes.map((w) => ({ kind: MEMORY_KIND, id: w.service, value: w.value, expectedVersion: w.known.doc?.version ?? null })),
      );
      writes.forEach((w, i) => (w.known.doc = { value: w.value, version: versions[i] }));
      return new Map();
    } catch {
      // Written one by one below, each on its own fresh memory when its version moved.
    }
  }
  const services = [...changes.keys()];
  // A memory that kept changing for every attempt is left as it is, as a single signal always did: the
  // decisions stand in the ledger, and the actions are carried out now (only not recorded as pending).
  const settled = await Promise.allSettled(services.map((s) => updateHealthMemory(deps, s, combined(changes.get(s)!), read.memories.get(s)!)));
  return new Map(services.flatMap((service, i) => (settled[i].status === 'rejected' ? [[service, settled[i].reason]] : [])));
}

/**
 * Runs the actions the ledger has charged (pending in their shards) and records their outcomes, a
 * service's actions one after another, services side by side; then one append for the outcomes and one
 * shard write per service that settles what ran. A retryable failure is recorded and fails its signal
 * (and the service's later ones: they must not overtake it), so the queue redelivers it and the pending
 * action runs again; a terminal one is recorded and the action is dropped.
 */
async function carryOut(
  deps: RemediationDeps,
  read: BatchRead,
  acts: SignalPlan[],
  settle: (p: SignalPlan, result: SignalResult) => void,
  decided: (p: SignalPlan, result?: string) => SignalResult,
): Promise<void> {
  if (!acts.length) return;
  const byService = new Map<string, SignalPlan[]>();
  for (const p of acts) byService.set(p.signal.service, [...(byService.get(p.signal.service) ?? []), p]);
  const outcomes: { p: SignalPlan; event: AuditEvent; result: SignalResult; settled: boolean }[] = [];
  await Promise.all(
    [...byService.values()].map(async (plans) => {
      let heldBack: unknown;
      for (const p of plans) {
        const { decision, redelivered, observedAt } = p.followUp as { decision: ActDecision; redelivered: boolean; observedAt?: string };
        if (heldBack !== undefined) {
          settle(p, { ok: false, error: heldBack });
          continue;
        }
        const data = { ...decisionData(p.signal, decision, observedAt), ...(redelivered ? { redelivered } : {}) };
        try {
          const result = await executeRemediation(deps, decision, read.views.get(p.signal.service)?.live);
          const event = auditEvent(deps, p.signal.service, 'RemediationApplied', `${decision.reason} → ${result}`, data);
          outcomes.push({ p, event, result: { ok: true, outcome: { outcome: 'decided', decision, result } }, settled: true });
        } catch (err) {
          const retrying = isRetryable(err);
          const message = `${decision.reason} → failed${retrying ? ' (will retry)' : ''}: ${errorMessage(err)}`;
          const event = auditEvent(deps, p.signal.service, 'RemediationFailed', message, { ...data, error: errorMessage(err), retrying });
          const result: SignalResult = retrying ? { ok: false, error: err } : decided(p, `the action failed: ${errorMessage(err)}`);
          outcomes.push({ p, event, result, settled: !retrying });
          if (retrying) heldBack = err;
        }
      }
    }),
  );
  // Recorded before it is settled: if settling fails, the redelivery repeats an idempotent action, and the trail misses nothing.
  try {
    await deps.store.recordEvents(outcomes.map((o) => o.event));
  } catch (error) {
    for (const o of outcomes) settle(o.p, { ok: false, error });
    return;
  }
  const settledBy = new Map<string, Set<string>>();
  for (const o of outcomes.filter((o) => o.settled)) {
    const ids = settledBy.get(o.p.signal.service) ?? new Set<string>();
    settledBy.set(o.p.signal.service, ids.add(o.p.signal.id));
  }
  const together = await settleShardsTogether(deps, read, settledBy);
  const settled = await Promise.allSettled(
    [...settledBy].map(async ([service, ids]) => {
      const legacy = read.memories.get(service)?.doc?.value.pendingActions;
      await Promise.all([
        together || settleShard(deps, read, service, ids),
        // A memory written before pending actions moved to the shard may still hold one of them.
        Object.keys(legacy ?? {}).some((id) => ids.has(id)) &&
          updateHealthMemory(
            deps,
            service,
            (memory) => {
              const pending = Object.entries(memory.pendingActions ?? {});
              if (!pending.some(([id]) => ids.has(id))) return undefined;
              return { ...memory, pendingActions: Object.fromEntries(pending.filter(([id]) => !ids.has(id))) };
            },
            read.memories.get(service),
          ),
      ]);
    }),
  );
  const unsettled = new Map([...settledBy.keys()].flatMap((service, i) => (settled[i].status === 'rejected' ? [[service, settled[i].reason]] : [])));
  for (const o of outcomes) settle(o.p, unsettled.has(o.p.signal.service) ? { ok: false, error: unsettled.get(o.p.signal.service) } : o.result);
}

/**
 * Settles the shards of every service that acted in one transaction, on the shards as this batch
 * committed them (one round trip instead of one per service). False when it was not tried (one service)
 * or failed: then each shard is settled on its own (settleShard).
 */
async function settleShardsTogether(deps: RemediationDeps, read: BatchRead, settledBy: Map<string, Set<string>>): Promise<boolean> {
  if (settledBy.size < 2 || settledBy.size > TRANSACTION_ITEMS) return false;
  const writes: DocumentWrite[] = [];
  for (const [service, ids] of settledBy) {
    const doc = read.shards.get(service);
    if (!doc || !Object.keys(doc.value.pendingActions ?? {}).some((id) => ids.has(id))) return false;
    writes.push({ kind: SEEN_SHARD_KIND, id: service, value: settlePending(doc.value, ids), expectedVersion: doc.version, ttlSeconds: shardTtlSeconds(deps) });
  }
  try {
    const versions = await deps.store.putDocuments(writes);
    writes.forEach((w, i) => read.shards.set(w.id, { value: w.value as SeenShard, version: versions[i] }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes the pending actions of `ids` from the service's shard once they ran (or failed for good). The
 * shard is as this batch committed it; only the intake writes shards, so a lost race is rare (a copy of a
 * signal in another message group): the fresh shard is read and settled again.
 */
async function settleShard(deps: RemediationDeps, read: BatchRead, service: string, ids: ReadonlySet<string>): Promise<void> {
  let doc = read.shards.get(service);
  for (let attempt = 0; attempt < SHARD_ATTEMPTS; attempt++) {
    if (attempt > 0) doc = await deps.store.getDocument<SeenShard>(SEEN_SHARD_KIND, service);
    if (!doc || !Object.keys(doc.value.pendingActions ?? {}).some((id) => ids.has(id))) return;
    try {
      await deps.store.putDocument(SEEN_SHARD_KIND, service, settlePending(doc.value, ids), doc.version, shardTtlSeconds(deps));
      return;
    } catch (err) {
      if (!(err instanceof VersionConflictError)) throw err;
    }
  }
  // Left pending, as a memory that kept changing always was: only a later copy of the signal reaches it, and runs it again (idempotent).
}
