import { describe, expect, it } from 'vitest';
import { escalationMessage, gateSignal, type Escalation } from '../../../lib/health/escalation.js';

const T = '2030-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T) + seconds * 1_000).toISOString();
const open: Escalation = { openedAt: T, serviceVersion: 4, conditions: { 'web/crashLoop/stable': T } };
const alarm = { state: 'ALARM' as const, observedAt: T };
const ok = { state: 'OK' as const, observedAt: T };

describe('gateSignal', () => {
  it.each([
    {
      name: 'no escalation: decide as usual',
      esc: undefined,
      signal: alarm,
      key: 'web/crashLoop/stable',
      version: 4,
      now: at(6),
      silent: false,
      after: undefined,
    },
    {
      name: 'an escalated condition alarming again: silent, last alarm moves',
      esc: open,
      signal: alarm,
      key: 'web/crashLoop/stable',
      version: 4,
      now: at(6),
      silent: true,
      after: { ...open, conditions: { 'web/crashLoop/stable': at(6) } },
    },
    { name: 'an escalated condition clearing: silent', esc: open, signal: ok, key: 'web/crashLoop/stable', version: 4, now: at(6), silent: true, after: open },
    {
      name: 'another condition: decided as usual, the escalation stays',
      esc: open,
      signal: alarm,
      key: 'web/nodeNotReady/stable/n1',
      version: 4,
      now: at(6),
      silent: false,
      after: open,
    },
    {
      name: 'the service changed: the escalation ends',
      esc: open,
      signal: alarm,
      key: 'web/crashLoop/stable',
      version: 5,
      now: at(6),
      silent: false,
      after: undefined,
    },
    {
      name: 'the service is gone: the escalation ends',
      esc: open,
      signal: alarm,
      key: 'web/crashLoop/stable',
      version: undefined,
      now: at(6),
      silent: false,
      after: undefined,
    },
    {
      name: 'quiet for the whole quiet period: a new episode',
      esc: open,
      signal: alarm,
      key: 'web/crashLoop/stable',
      version: 4,
      now: at(1_800),
      silent: false,
      after: undefined,
    },
  ])('$name', ({ esc, signal, key, version, now, silent, after }) => {
    expect(gateSignal(signal, key, esc, version, now, 1_800)).toEqual({ silent, escalation: after });
  });
});

describe('escalationMessage', () => {
  it('says what persists, what was tried, what a person should do and when meshplane speaks again', () => {
    const message = escalationMessage(
      { kind: 'crashLoop', track: 'stable', reason: '2 stable pod(s) in CrashLoopBackOff: web-1, web-2' },
      { name: 'web', namespace: 'shop' },
      ['restart'],
      1_800,
    );
    expect(message).toBe(
      'crashLoop on the stable track of web persists (2 stable pod(s) in CrashLoopBackOff: web-1, web-2); meshplane tried restart and has nothing left to try. ' +
        'A person should read why the containers exit (kubectl logs -n shop deploy/web --previous; kubectl describe pod for OOMKilled or a failing probe), ' +
        'then deploy a fixed image (meshplane deploy web --image …) or roll back to a revision that worked (meshplane rollback web). ' +
        'meshplane stays quiet about it until the service changes or the condition has been clear for 1800 s.',
    );
  });
});
