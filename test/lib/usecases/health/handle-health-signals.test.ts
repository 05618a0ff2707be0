/**
 * handleHealthSignals on the real store (dynalite): batches decided against one ledger read and committed
 * with one conditional transaction (the global bucket and the services' shards). Two batches racing on
 * it, with signals delivered to both, must neither overrun the budget nor act twice, and every delivery
 * ends with a decision in the audit trail.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../../../lib/errors.js';
import { alarmIntakeOf, type AlarmIntakeApp } from '../../../../lib/composition/alarm-intake.js';
import type { HealthSignal } from '../../../../lib/health/health-signal.js';
import { RemediationPolicy } from '../../../../lib/health/remediation-policy.js';
import type { RemediationLedger, SeenShard } from '../../../../lib/health/remediation-ledger.js';
import { SCHEMA_VERSION, type EventEnvelope } from '../../../../lib/model/events.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../../../lib/model/observed-status.js';
import type { AuditEvent } from '../../../../lib/model/records.js';
import type { DocumentWrite } from '../../../../lib/ports/document-store.js';
import type { StateStore } from '../../../../lib/ports/state-store.js';
import { handleHealthSignals } from '../../../../lib/usecases/health/handle-health-signal.js';
import { emptyMemory, HEALTH_DOCS, type ServiceHealthMemory } from '../../../../lib/usecases/health/health-deps.js';
import { useTestStack } from '../../../support/local-stack.js';
import { serviceRecord } from './health-fakes.js';

const stack = useTestStack();
/** One alarm confirms; three actions in all, then the global bucket is empty for the rest of the test. */
const POLICY = RemediationPolicy.parse({
  hysteresis: { minConsecutiveAlarms: 1, persistSeconds: 0 },
  globalRateLimit: { capacity: 3, refillPerHour: 0.001 },
});
const DECISIONS = new Set(['RemediationApplied', 'RemediationSkipped', 'RemediationFailed', 'RemediationEscalated']);

let intake: AlarmIntakeApp;

/** A registered service whose pods, as the probe last observed them, crash-loop across two nodes: a restart. */
async function crashLooping(name: string): Promise<void> {
  const record = serviceRecord(name, {}, { createdAt: new Date(Date.now() - 3 * 86_400_000).toISOString() });
  await intake.store.commitServiceChange({
    service: record,
    expectedVersion: null,
    revision: { service: name, revision: 1, spec: record.spec, createdAt: record.createdAt, operationId: 'op-1' },
    events: [],
  });
  const pod = (n: number, node: string, zone: string) => ({
    name: `${name}-${n}`,
    node,
    zone,
    ready: false,
    phase: 'Running',
    track: 'stable',
    restarts: 5,
    waitingReason: 'CrashLoopBackOff',
    revision: 'r1',
  });
  const observed: ObservedServiceStatus = {
    desiredReplicas: 2,
    readyReplicas: 0,
    updatedReplicas: 2,
    availableReplicas: 0,
    podsPerZone: { 'zone-a': 1, 'zone-b': 1 },
    pods: [pod(0, 'node-a-1', 'zone-a'), pod(1, 'node-b-1', 'zone-b')],
    observedAt: new Date().toISOString(),
    cluster: 'sim',
  };
  await intake.store.putDocument(OBSERVED_STATUS_DOC, name, observed, null);
}

function delivery(signal: HealthSignal): EventEnvelope {
  return {
    id: `alarm-${signal.id}`,
    type: 'health.alarm',
    service: signal.service,
    occurredAt: signal.observedAt,
    correlationId: signal.id,
    schemaVersion: SCHEMA_VERSION,
    payload: { signal },
  };
}

const crashLoop = (service: string): HealthSignal => ({
  id: `sig-${service}`,
  source: 'api',
  service,
  kind: 'crashLoop',
  state: 'ALARM',
  observedAt: new Date().toISOString(),
  reason: 'pods crashing',
});

const signalIdOf = (e: AuditEvent) => (e.data?.signal as { id?: string } | undefined)?.id;

/** The actions recorded in the services' shards (where the ledger keeps them). */
async function actionsOf(services: string[]) {
  const shards = await intake.store.getDocuments<SeenShard>(services.map((s) => HEALTH_DOCS.shard(s)));
  return shards.flatMap((d) => d?.value.actions ?? []);
}

/**
 * The intake's store, with its ledger commits held until `readers` batches have read the ledger: all of
 * them decide on the same ledger, and all but the first to commit lose the race. Counts the conflicts.
 */
function racingStore(readers: number) {
  let ledgerReads = 0;
  const counts = { conflicts: 0 };
  let allRead!: () => void;
  const barrier = new Promise<void>((resolve) => (allRead = resolve));
  const store: StateStore = Object.create(intake.store);
  store.getDocuments = async <T>(refs: readonly (readonly [string, string])[]) => {
    const docs = await intake.store.getDocuments<T>(refs);
    if (refs.some(([kind]) => kind === HEALTH_DOCS.ledger[0]) && ++ledgerReads === readers) allRead();
    return docs;
  };
  store.putDocuments = async (writes: readonly DocumentWrite[]) => {
    await barrier;
    return intake.store.putDocuments(writes).catch((err: unknown) => {
      if (err instanceof VersionConflictError) counts.conflicts++;
      throw err;
    });
  };
  return { store, counts };
}

async function decisionsOf(services: string[]): Promise<AuditEvent[]> {
  const all = await Promise.all(services.map(async (s) => (await intake.store.listEvents(s, { limit: 100 })).items));
  return all.flat().filter((e) => DECISIONS.has(e.type));
}

beforeAll(() => {
  intake = alarmIntakeOf(stack().createApp(), { remediationPolicy: POLICY });
});

describe('handleHealthSignals on the store', () => {
  it('two batches racing on the ledger, two signals delivered to both: three actions for three tokens, none twice, every delivery decided', async () => {
    const services = ['race-0', 'race-1', 'race-2', 'race-3', 'race-4', 'race-5'];
    for (const s of services) await crashLooping(s);
    const [a, b] = [services.slice(0, 4), services.slice(2)].map((names) => names.map((n) => delivery(crashLoop(n))));

    // Both batches read the ledger before either writes it: the one that writes second loses the race and decides again.
    const { store, counts } = racingStore(2);
    const racing = { ...intake, store };

    const deliveries = [...a, ...b];
    const results = (await Promise.all([handleHealthSignals(racing, a), handleHealthSignals(racing, b)])).flat();
    expect(counts.conflicts).toBeGreaterThanOrEqual(1);
    // A copy that met the other batch's action still in flight failed, to be delivered again: as SQS would, once that batch is done.
    let failed = deliveries.filter((_, i) => !results[i].ok);
    for (let round = 0; failed.length && round < 3; round++) {
      const again = await handleHealthSignals(intake, failed);
      failed = failed.filter((_, i) => !again[i].ok);
    }
    expect(failed).toEqual([]);
    const ledger = (await intake.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger))!.value;
    // The global item holds the bucket only, whatever the number of services that acted.
    expect(ledger.actions).toEqual([]);
    expect(ledger.globalBucket!.tokens).toBeGreaterThanOrEqual(0);
    expect(ledger.globalBucket!.tokens).toBeLessThan(1);
    const acted = (await actionsOf(services)).map((x) => x.signalId);
    expect(acted).toHaveLength(3);
    expect(new Set(acted).size).toBe(3);
    // Every action ran: nothing is left pending.
    const shards = await intake.store.getDocuments<SeenShard>(services.map((s) => HEALTH_DOCS.shard(s)));
    expect(shards.flatMap((d) => Object.keys(d?.value.pendingActions ?? {}))).toEqual([]);

    const decisions = await decisionsOf(services);
    // Eight deliveries, eight decisions recorded; three restarts, each of a different signal.
    expect(decisions).toHaveLength(8);
    const applied = decisions.filter((e) => e.type === 'RemediationApplied').map(signalIdOf);
    expect(applied.sort()).toEqual([...acted].sort());
    const restarted = (await Promise.all(services.map((s) => intake.store.getService(s)))).filter((r) => r?.restartedAt);
    expect(restarted).toHaveLength(3);
    // The rest waits for a token (rate limited) or is a copy of a signal already acted on (duplicate).
    const skipped = decisions.filter((e) => e.type === 'RemediationSkipped').map((e) => e.data?.noneReason);
    expect(skipped.every((r) => r === 'rateLimited' || r === 'duplicate')).toBe(true);
  });

  it('two alarms on one service in two racing batches: one action, the other finds it (restart just tried: escalated to a person); the service bucket and the global one are charged once', async () => {
    const policy = RemediationPolicy.parse({
      hysteresis: { minConsecutiveAlarms: 1, persistSeconds: 0 },
      serviceRateLimit: { capacity: 1, refillPerHour: 0.001 },
    });
    intake = alarmIntakeOf(stack().createApp(), { remediationPolicy: policy });
    const current = await intake.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger);
    await intake.store.putDocument(
      HEALTH_DOCS.ledger[0],
      HEALTH_DOCS.ledger[1],
      { version: 1, seenSignals: [], actions: [], serviceBuckets: {} },
      current?.version ?? null,
    );
    await crashLooping('contended');
    const first = { ...crashLoop('contended'), id: 'sig-contended-a' };
    const second = { ...crashLoop('contended'), id: 'sig-contended-b' };
    const { store, counts } = racingStore(2);

    const results = await Promise.all([
      handleHealthSignals({ ...intake, store }, [delivery(first)]),
      handleHealthSignals({ ...intake, store }, [delivery(second)]),
    ]);

    expect(results.flat().every((r) => r.ok)).toBe(true);
    expect(counts.conflicts).toBe(1);
    const acted = await actionsOf(['contended']);
    expect(acted).toHaveLength(1);
    const shard = (await intake.store.getDocument<SeenShard>(...HEALTH_DOCS.shard('contended')))!.value;
    expect(shard.bucket!.tokens).toBeLessThan(1);
    const ledger = (await intake.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger))!.value;
    expect(policy.globalRateLimit.capacity - ledger.globalBucket!.tokens).toBeCloseTo(1, 2);
    const decisions = await decisionsOf(['contended']);
    expect(decisions.map((e) => [e.type, e.data?.noneReason]).sort()).toEqual([
      ['RemediationApplied', undefined],
      ['RemediationEscalated', 'exhausted'],
    ]);
    expect((await intake.store.listEvents('contended', { limit: 100 })).items.filter((e) => e.type === 'Restarted')).toHaveLength(1);
  });

  it('a signal delivered twice within one batch acts once; the copy is recorded as a duplicate', async () => {
    const fresh = alarmIntakeOf(stack().createApp(), {
      remediationPolicy: RemediationPolicy.parse({ hysteresis: { minConsecutiveAlarms: 1, persistSeconds: 0 } }),
    });
    // The first test spent the global budget of its policy; this one has its own, with the default budget.
    const current = await fresh.store.getDocument<RemediationLedger>(...HEALTH_DOCS.ledger);
    await fresh.store.putDocument(
      HEALTH_DOCS.ledger[0],
      HEALTH_DOCS.ledger[1],
      { version: 1, seenSignals: [], actions: [], serviceBuckets: {} },
      current?.version ?? null,
    );
    await crashLooping('twice');
    const signal = crashLoop('twice');

    const results = await handleHealthSignals(fresh, [delivery(signal), delivery(signal)]);

    expect(results.map((r) => (r.ok && r.outcome.outcome === 'decided' ? r.outcome.decision.kind : r))).toEqual(['restart', 'none']);
    const decisions = await decisionsOf(['twice']);
    expect(decisions.map((e) => [e.type, e.data?.noneReason]).sort()).toEqual([
      ['RemediationApplied', undefined],
      ['RemediationSkipped', 'duplicate'],
    ]);
    expect((await fresh.store.listEvents('twice', { limit: 100 })).items.filter((e) => e.type === 'Restarted')).toHaveLength(1);
  });

  it("writes a batch's memories in one transaction; one the probe wrote meanwhile is written again on its own, keeping the probe's fields", async () => {
    intake = alarmIntakeOf(stack().createApp(), {
      remediationPolicy: RemediationPolicy.parse({ hysteresis: { minConsecutiveAlarms: 1, persistSeconds: 0 } }),
    });
    const services = ['memo-0', 'memo-1', 'memo-2'];
    for (const s of services) await crashLooping(s);
    const memoryKind = HEALTH_DOCS.service('')[0];
    const transactions: string[][] = [];
    const store: StateStore = Object.create(intake.store);
    store.putDocuments = async (writes: readonly DocumentWrite[]) => {
      transactions.push(writes.map((w) => `${w.kind}/${w.id}`));
      // The health probe writes memo-1's memory after the batch read it and before the batch writes it.
      if (writes.every((w) => w.kind === memoryKind) && transactions.filter((t) => t.every((k) => k.startsWith(`${memoryKind}/`))).length === 1) {
        const fresh = await intake.store.getDocument<ServiceHealthMemory>(...HEALTH_DOCS.service('memo-1'));
        const probeWrote = { ...(fresh?.value ?? emptyMemory()), alarming: { 'latency:': 'sig-probe' } };
        await intake.store.putDocument(memoryKind, 'memo-1', probeWrote, fresh?.version ?? null);
      }
      return intake.store.putDocuments(writes);
    };

    const results = await handleHealthSignals(
      { ...intake, store },
      services.map((s) => delivery(crashLoop(s))),
    );

    expect(results.every((r) => r.ok)).toBe(true);
    // One transaction for the three memories was tried (it lost to the probe's write, so nothing of it was written).
    expect(transactions.filter((t) => t.length === 3 && t.every((k) => k.startsWith(`${memoryKind}/`)))).toHaveLength(1);
    const memories = await intake.store.getDocuments<ServiceHealthMemory>(services.map((s) => HEALTH_DOCS.service(s)));
    // Every memory holds its signal; memo-1's also what the probe wrote.
    for (const [i, s] of services.entries()) expect(memories[i]!.value.recentSignals.map((x) => x.id)).toContain(`sig-${s}`);
    expect(memories[1]!.value.alarming).toEqual({ 'latency:': 'sig-probe' });
    // The three restarts ran and their shards were settled (nothing pending).
    const shards = await intake.store.getDocuments<SeenShard>(services.map((s) => HEALTH_DOCS.shard(s)));
    expect(shards.flatMap((d) => Object.keys(d?.value.pendingActions ?? {}))).toEqual([]);
    expect((await actionsOf(services)).map((a) => a.signalId).sort()).toEqual(services.map((s) => `sig-${s}`));
  });
});
