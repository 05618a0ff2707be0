import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deployableHandlers, functionTimeoutSeconds, HANDLERS, type HandlerDefinition } from '../../infra/handler-catalog.js';
import { QUEUES } from '../../lib/platform/resources.js';
import { PROJECT_ROOT } from './support/synth-meshplane.js';

const handler = (trigger: HandlerDefinition['trigger'], extra: Partial<HandlerDefinition> = {}): HandlerDefinition => ({
  id: 'h',
  entry: 'functions/h.ts',
  description: 'h',
  trigger,
  needs: {},
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
    for (const q of QUEUES) expect(HANDLERS.filter((h) => h.trigger.kind === 'queue' && h.trigger.queue === q.id).map((h) => h.id), q.id).toHaveLength(1);
    expect(HANDLERS.filter((h) => h.trigger.kind === 'httpApi')).toHaveLength(1);
    expect(HANDLERS.filter((h) => h.trigger.kind === 'rolloutTask')).toHaveLength(1);
  });

  it('names entry files that exist, except handlers deployed only when present', () => {
    for (const h of HANDLERS.filter((h) => !h.whenPresent)) expect(existsSync(join(PROJECT_ROOT, h.entry)), h.entry).toBe(true);
    for (const h of HANDLERS) for (const asset of h.assets ?? []) expect(existsSync(join(PROJECT_ROOT, asset)), asset).toBe(true);
  });

  it('skips planned handlers until their file exists', () => {
    const planned = handler({ kind: 'schedule', expression: 'rate(1 minute)', timeoutSeconds: 50 }, { id: 'planned', entry: 'functions/planned.ts', whenPresent: true });
    const always = handler({ kind: 'httpApi' }, { id: 'always', entry: 'functions/always.ts' });
    expect(deployableHandlers('/p', [planned, always], () => false).map((h) => h.id)).toEqual(['always']);
    expect(deployableHandlers('/p', [planned, always], (path) => path === '/p/functions/planned.ts').map((h) => h.id)).toEqual(['planned', 'always']);
  });
});
