import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  consumedQueues,
  deployableHandlers,
  functionTimeoutSeconds,
  HANDLERS,
  VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT,
  type HandlerDefinition,
} from '../../infra/handler-catalog.js';
import { QUEUES } from '../../lib/platform/resources.js';
import { PROJECT_ROOT } from './support/synth-meshplane.js';

const handler = (trigger: HandlerDefinition['trigger'], extra: Partial<HandlerDefinition> = {}): HandlerDefinition => ({
  id: 'h',
  entry: 'functions/h.ts',
  description: 'h',
  trigger,
  needs: { table: 'readWrite' },
  memorySizeMb: 128,
  ...extra,
});

describe('handler catalog', () => {
  it.each([
    // worked examples: HTTP API integrations time out at 30 s; task states at 120 s; queues visibility / 6
    [{ kind: 'httpApi' } as const, 29],
    [{ kind: 'rolloutTask' } as const, 100],
    [{ kind: 'queue', queue: 'serviceEvents' } as const, 60], // 360 s visibility
    [{ kind: 'queue', queue: 'deployRequests' } as const, 20], // 120 s visibility
    [{ kind: 'schedule', expression: 'rate(1 hour)', timeoutSeconds: 300 } as const, 300],
  ])('gives a %j handler a %i s timeout', (trigger, seconds) => {
    expect(functionTimeoutSeconds(handler(trigger))).toBe(seconds);
  });

  it('has exactly one consumer per queue, one API handler and one rollout task', () => {
    for (const q of QUEUES)
      expect(
        HANDLERS.filter((h) => consumedQueues(h).includes(q.id)).map((h) => h.id),
        q.id,
      ).toHaveLength(1);
    expect(HANDLERS.filter((h) => h.trigger.kind === 'httpApi')).toHaveLength(1);
    expect(HANDLERS.filter((h) => h.trigger.kind === 'rolloutTask')).toHaveLength(1);
  });

  it('gives every consumed queue a visibility timeout of at least six function timeouts of its consumer', () => {
    for (const h of HANDLERS) {
      for (const id of consumedQueues(h)) {
        const q = QUEUES.find((d) => d.id === id)!;
        expect(q.visibilityTimeoutSeconds, `${h.id} ${id}`).toBeGreaterThanOrEqual(VISIBILITY_TIMEOUT_PER_FUNCTION_TIMEOUT * functionTimeoutSeconds(h));
      }
    }
  });

  it('sends only to queues that exist, and gives cluster access only to functions that declare it', () => {
    for (const h of HANDLERS)
      for (const id of h.needs.sendsTo ?? [])
        expect(
          QUEUES.map((q) => q.id),
          h.id,
        ).toContain(id);
    const api = HANDLERS.find((h) => h.id === 'api')!;
    expect(api.needs.kubernetes).toBeUndefined();
    expect(api.needs.table).toBe('readWriteNoDelete');
  });

  it('names entry files that exist, except handlers deployed only when present', () => {
    for (const h of HANDLERS.filter((h) => !h.whenPresent)) expect(existsSync(join(PROJECT_ROOT, h.entry)), h.entry).toBe(true);
    for (const h of HANDLERS) for (const asset of h.assets ?? []) expect(existsSync(join(PROJECT_ROOT, asset)), asset).toBe(true);
  });

  it('skips planned handlers until their file exists', () => {
    const planned = handler(
      { kind: 'schedule', expression: 'rate(1 minute)', timeoutSeconds: 50 },
      { id: 'planned', entry: 'functions/planned.ts', whenPresent: true },
    );
    const always = handler({ kind: 'httpApi' }, { id: 'always', entry: 'functions/always.ts' });
    expect(deployableHandlers('/p', [planned, always], () => false).map((h) => h.id)).toEqual(['always']);
    expect(deployableHandlers('/p', [planned, always], (path) => path === '/p/functions/planned.ts').map((h) => h.id)).toEqual(['planned', 'always']);
  });
});
