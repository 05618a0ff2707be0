import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { processFifoBatch, type BatchLogger } from '../../../functions/middleware/sqs-fifo-batch.js';
import type { EventEnvelope } from '../../../lib/model/events.js';
import { envelope } from '../../support/envelopes.js';

/** A record of a FIFO queue: `group` is the message group, `body` an envelope or raw text. */
function record(messageId: string, group: string | undefined, body: EventEnvelope | string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: '0',
      ...(group === undefined ? {} : { MessageGroupId: group }),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q.fifo',
    awsRegion: 'us-east-1',
  };
}

const silent: BatchLogger = { info: () => undefined, error: () => undefined };

/**
 * Runs a batch whose handler fails the operations named in `failing`; returns the ids reported as
 * failed and the operation ids the handler actually saw, in order.
 */
async function run(records: SQSRecord[], failing: Set<string> = new Set()) {
  const handled: string[] = [];
  const response = await processFifoBatch({ Records: records } as SQSEvent, {
    handle: async (event) => {
      handled.push(event.id);
      if (failing.has(event.id)) throw new Error(`${event.id} failed`);
      return { outcome: 'applied' };
    },
    log: silent,
  });
  return { failed: response.batchItemFailures.map((f) => f.itemIdentifier), handled };
}

const ev = (id: string, service: string) => envelope('service.updated', service, { id });

describe('processFifoBatch', () => {
  it.each([
    {
      name: 'all succeed',
      records: [
        ['m1', 'a', 'op1'],
        ['m2', 'b', 'op2'],
        ['m3', 'a', 'op3'],
      ],
      failing: [],
      failed: [],
      handled: ['op1', 'op2', 'op3'],
    },
    {
      name: 'a failure blocks the later records of its group only',
      records: [
        ['m1', 'a', 'op1'],
        ['m2', 'a', 'op2'],
        ['m3', 'b', 'op3'],
        ['m4', 'a', 'op4'],
        ['m5', 'b', 'op5'],
      ],
      failing: ['op2'],
      failed: ['m2', 'm4'],
      handled: ['op1', 'op2', 'op3', 'op5'],
    },
    {
      name: 'the first record of a group failing blocks the whole group',
      records: [
        ['m1', 'a', 'op1'],
        ['m2', 'b', 'op2'],
        ['m3', 'a', 'op3'],
        ['m4', 'a', 'op4'],
      ],
      failing: ['op1'],
      failed: ['m1', 'm3', 'm4'],
      handled: ['op1', 'op2'],
    },
    {
      name: 'failures in two groups block each group independently',
      records: [
        ['m1', 'a', 'op1'],
        ['m2', 'b', 'op2'],
        ['m3', 'c', 'op3'],
        ['m4', 'a', 'op4'],
        ['m5', 'b', 'op5'],
        ['m6', 'c', 'op6'],
      ],
      failing: ['op1', 'op5'],
      failed: ['m1', 'm4', 'm5'],
      handled: ['op1', 'op2', 'op3', 'op5', 'op6'],
    },
    {
      name: 'an earlier success in a group is kept when a later one fails',
      records: [
        ['m1', 'a', 'op1'],
        ['m2', 'a', 'op2'],
      ],
      failing: ['op2'],
      failed: ['m2'],
      handled: ['op1', 'op2'],
    },
  ])('$name', async ({ records, failing, failed, handled }) => {
    const result = await run(
      records.map(([id, group, op]) => record(id, group, ev(op, `svc-${group}`))),
      new Set(failing),
    );
    expect(result.failed).toEqual(failed);
    // Groups run concurrently: the order holds within a group, across groups only the set.
    expect([...result.handled].sort()).toEqual([...handled].sort());
    for (const group of new Set(records.map(([, g]) => g))) {
      const ofGroup = new Set(records.filter(([, g]) => g === group).map(([, , op]) => op));
      expect(result.handled.filter((op) => ofGroup.has(op))).toEqual(handled.filter((op) => ofGroup.has(op)));
    }
  });

  it('records without a group (a standard queue) never block each other', async () => {
    const result = await run([record('m1', undefined, ev('op1', 's')), record('m2', undefined, ev('op2', 's'))], new Set(['op1']));
    expect(result.failed).toEqual(['m1']);
    expect([...result.handled].sort()).toEqual(['op1', 'op2']);
  });

  it.each([
    { what: 'a body that is not JSON', body: 'hello' },
    { what: 'JSON that is not an envelope', body: '{"hello":"world"}' },
    { what: 'an envelope of another schema version', body: JSON.stringify({ ...ev('opx', 'a'), schemaVersion: 2 }) },
    { what: 'an envelope with an unknown type', body: JSON.stringify({ ...ev('opx', 'a'), type: 'service.exploded' }) },
    { what: 'an envelope naming an invalid service', body: JSON.stringify({ ...ev('opx', 'a'), service: 'Not_A_Label' }) },
  ])('$what fails without reaching the handler, and blocks its group', async ({ body }) => {
    const result = await run([record('bad', 'a', body), record('m2', 'a', ev('op2', 'a')), record('m3', 'b', ev('op3', 'b'))]);
    expect(result.failed).toEqual(['bad', 'm2']);
    expect(result.handled).toEqual(['op3']);
  });

  it('logs why a record failed, with its message id and receive count', async () => {
    const errors: { message: string; extra: Record<string, unknown> }[] = [];
    const log: BatchLogger = {
      info: () => undefined,
      error: ((message: string, extra: Record<string, unknown>) => void errors.push({ message, extra })) as BatchLogger['error'],
    };
    await processFifoBatch({ Records: [record('bad', 'a', 'hello')] } as SQSEvent, { handle: async () => undefined, log });
    expect(errors).toHaveLength(1);
    expect(errors[0].extra).toMatchObject({ messageId: 'bad', receiveCount: '1', error: expect.stringMatching(/JSON/) });
  });

  it('an empty batch reports no failures', async () => {
    expect(await run([])).toEqual({ failed: [], handled: [] });
  });
});

describe('giving up on the last receive', () => {
  it('hands a record that fails on its last receive to giveUp with the error, and only that one', async () => {
    const onLast = record('m1', 'a', envelope('service.updated', 'a', { id: 'op-last' }));
    onLast.attributes.ApproximateReceiveCount = '5';
    const earlier = record('m2', 'b', envelope('service.updated', 'b', { id: 'op-early' }));
    earlier.attributes.ApproximateReceiveCount = '4';
    const succeeding = record('m3', 'c', envelope('service.updated', 'c', { id: 'op-fine' }));
    succeeding.attributes.ApproximateReceiveCount = '5';
    const givenUp: [string, string][] = [];
    const response = await processFifoBatch({ Records: [onLast, earlier, succeeding] } as SQSEvent, {
      handle: async (event) => {
        if (event.id !== 'op-fine') throw new Error(`${event.id} broke`);
      },
      log: silent,
      giveUp: { maxReceiveCount: 5, onGiveUp: async (operation, reason) => void givenUp.push([operation.id, reason]) },
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2']);
    expect(givenUp).toEqual([['op-last', 'op-last broke']]);
  });
});

describe('every failed record reaches giveUp with an actionable reason', () => {
  /** A giveUp that records what it was told: [operation id, reason] per call, last receive or not. */
  function recordingGiveUp() {
    const givenUp: [string, string][] = [];
    const noted: [string, string][] = [];
    const giveUp = {
      maxReceiveCount: 5,
      onGiveUp: async (op: { id: string }, reason: string) => void givenUp.push([op.id, reason]),
      onFailure: async (op: { id: string }, reason: string) => void noted.push([op.id, reason]),
    };
    return { giveUp, givenUp, noted };
  }
  const onReceive = (r: SQSRecord, count: number) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: String(count) } });

  it('records held back behind a failed record of their group are given up on their last receive, naming the blocker', async () => {
    const { giveUp, givenUp, noted } = recordingGiveUp();
    const records = [
      onReceive(record('m1', 'a', ev('op1', 'a')), 3),
      onReceive(record('m2', 'a', ev('op2', 'a')), 5),
      onReceive(record('m3', 'a', ev('op3', 'a')), 2),
    ];
    const response = await processFifoBatch({ Records: records } as SQSEvent, {
      handle: async (event) => {
        if (event.id === 'op1') throw new Error('cluster unreachable');
      },
      log: silent,
      giveUp,
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3']);
    expect(givenUp).toEqual([['op2', 'held back behind operation op1 which failed: cluster unreachable']]);
    expect(noted).toEqual([
      ['op1', 'cluster unreachable'],
      ['op3', 'held back behind operation op1 which failed: cluster unreachable'],
    ]);
  });

  it('once the time budget fires, no further record starts; those left are failed and given up on their last receive', async () => {
    const { giveUp, givenUp, noted } = recordingGiveUp();
    const controller = new AbortController();
    const handled: string[] = [];
    const records = [record('m1', 'a', ev('op1', 'a')), onReceive(record('m2', 'b', ev('op2', 'b')), 5), record('m3', 'c', ev('op3', 'c'))];
    const response = await processFifoBatch({ Records: records } as SQSEvent, {
      handle: async (event, _record, signal) => {
        handled.push(event.id);
        expect(signal).toBe(controller.signal);
        controller.abort();
      },
      log: silent,
      giveUp,
      signal: controller.signal,
    });
    expect(handled).toEqual(['op1']);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m2', 'm3']);
    expect(givenUp).toEqual([['op2', "not processed before the handler's time ran out"]]);
    expect(noted).toEqual([['op3', "not processed before the handler's time ran out"]]);
  });

  it('a body that is not an envelope but names an operation id is given up too; one naming none is only logged', async () => {
    const { giveUp, givenUp } = recordingGiveUp();
    const named = onReceive(record('m1', 'a', JSON.stringify({ id: 'op-odd', type: 'service.updated', schemaVersion: 99 })), 5);
    const anonymous = onReceive(record('m2', 'b', 'hello'), 5);
    const response = await processFifoBatch({ Records: [named, anonymous] } as SQSEvent, { handle: async () => undefined, log: silent, giveUp });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2']);
    expect(givenUp).toHaveLength(1);
    expect(givenUp[0][0]).toBe('op-odd');
    expect(givenUp[0][1]).toMatch(/^not a meshplane event: /);
  });
});

describe('message groups run concurrently', () => {
  /** A handler that records, per group, how many of its records are in work at once, and the most overall. */
  function tracking(delay: (event: EventEnvelope) => Promise<void>) {
    const inWork = new Map<string, number>();
    const seen = { mostInOneGroup: 0, mostOverall: 0, overall: 0, order: [] as string[] };
    const handle = async (event: EventEnvelope) => {
      const n = (inWork.get(event.service) ?? 0) + 1;
      inWork.set(event.service, n);
      seen.overall++;
      seen.mostInOneGroup = Math.max(seen.mostInOneGroup, n);
      seen.mostOverall = Math.max(seen.mostOverall, seen.overall);
      seen.order.push(event.id);
      try {
        await delay(event);
      } finally {
        inWork.set(event.service, inWork.get(event.service)! - 1);
        seen.overall--;
      }
    };
    return { handle, seen };
  }

  it('a slow record holds back only the later records of its own group', async () => {
    // op1 (group a) finishes only once op2 (group b) has been handled: in series this would never end.
    let bDone!: () => void;
    const bHandled = new Promise<void>((resolve) => (bDone = resolve));
    const { handle, seen } = tracking(async (event) => {
      if (event.id === 'op1') await bHandled;
      if (event.id === 'op2') bDone();
    });
    const records = [record('m1', 'a', ev('op1', 'a')), record('m2', 'b', ev('op2', 'b')), record('m3', 'a', ev('op3', 'a'))];
    const response = await processFifoBatch({ Records: records } as SQSEvent, { handle, log: silent });
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.mostInOneGroup).toBe(1);
    expect(seen.order.indexOf('op1')).toBeLessThan(seen.order.indexOf('op3'));
  });

  it('runs at most `concurrency` groups at once', async () => {
    const { handle, seen } = tracking(() => new Promise((resolve) => setTimeout(resolve, 5)));
    const records = Array.from({ length: 8 }, (_, i) => record(`m${i}`, `g${i % 4}`, ev(`op${i}`, `g${i % 4}`)));
    const response = await processFifoBatch({ Records: records } as SQSEvent, { handle, log: silent, concurrency: 2 });
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.order).toHaveLength(8);
    expect(seen.mostOverall).toBe(2);
    expect(seen.mostInOneGroup).toBe(1);
  });

  it('reports failures in batch order whatever order the groups end in', async () => {
    const records = [record('m1', 'a', ev('op1', 'a')), record('m2', 'b', ev('op2', 'b')), record('m3', 'c', ev('op3', 'c'))];
    const response = await processFifoBatch({ Records: records } as SQSEvent, {
      // The first group ends last.
      handle: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, event.id === 'op1' ? 20 : 1));
        throw new Error('no');
      },
      log: silent,
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2', 'm3']);
  });
});

describe('records not started come back at once', () => {
  it('hands the held-back and out-of-time records to release, in reverse batch order; a record that ran and failed stays hidden', async () => {
    const controller = new AbortController();
    const released: string[][] = [];
    const records = [
      record('m1', 'a', ev('op1', 'a')),
      record('m2', 'b', ev('op2', 'b')),
      record('m3', 'a', ev('op3', 'a')),
      record('m4', 'b', ev('op4', 'b')),
      record('m5', 'a', ev('op5', 'a')),
    ];
    const response = await processFifoBatch({ Records: records } as SQSEvent, {
      handle: async (event) => {
        if (event.id === 'op1') throw new Error('cluster unreachable');
        // op2 runs out the clock: op4, its group's next, is not started.
        if (event.id === 'op2') controller.abort();
      },
      log: silent,
      signal: controller.signal,
      release: async (rs) => void released.push(rs.map((r) => r.messageId)),
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm3', 'm4', 'm5']);
    expect(released).toEqual([['m5', 'm4', 'm3']]);
  });

  it('releases nothing when every record was started', async () => {
    let calls = 0;
    const response = await processFifoBatch({ Records: [record('m1', 'a', ev('op1', 'a'))] } as SQSEvent, {
      handle: async () => {
        throw new Error('no');
      },
      log: silent,
      release: async () => void calls++,
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1']);
    expect(calls).toBe(0);
  });

  it('a release that fails is logged and changes nothing in the response', async () => {
    const errors: string[] = [];
    const log: BatchLogger = { info: () => undefined, error: ((message: string) => void errors.push(message)) as BatchLogger['error'] };
    const response = await processFifoBatch({ Records: [record('m1', 'a', ev('op1', 'a')), record('m2', 'a', ev('op2', 'a'))] } as SQSEvent, {
      handle: async () => {
        throw new Error('no');
      },
      log,
      release: async () => {
        throw new Error('SQS unreachable');
      },
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm2']);
    expect(errors.some((m) => /could not release/.test(m))).toBe(true);
  });
});

describe('records still in work when the time runs out', () => {
  it('answers after the grace with every unfinished record reported; only those never started are released', async () => {
    const controller = new AbortController();
    const released: string[][] = [];
    let finishHung!: () => void;
    const hung = new Promise<void>((resolve) => (finishHung = resolve));
    const records = [
      record('m1', 'a', ev('op1', 'a')), // hangs past the budget
      record('m2', 'b', ev('op2', 'b')), // succeeds
      record('m3', 'a', ev('op3', 'a')), // behind the hung record: never started
      record('m4', 'c', ev('op4', 'c')), // fails
    ];
    const handled: string[] = [];
    const response = await processFifoBatch({ Records: records } as SQSEvent, {
      handle: async (event) => {
        handled.push(event.id);
        if (event.id === 'op1') {
          // The other groups have started by then.
          await new Promise((resolve) => setTimeout(resolve, 5));
          controller.abort();
          await hung;
        }
        if (event.id === 'op4') throw new Error('no');
      },
      log: silent,
      signal: controller.signal,
      inFlightGraceMs: 20,
      release: async (rs) => void released.push(rs.map((r) => r.messageId)),
    });
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['m1', 'm3', 'm4']);
    expect(released).toEqual([['m3']]);
    // The hung record ends later; its group starts nothing more after the answer.
    finishHung();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(handled.sort()).toEqual(['op1', 'op2', 'op4']);
  });

  it('waits for records in work as long as the time budget has not fired', async () => {
    const response = await processFifoBatch({ Records: [record('m1', 'a', ev('op1', 'a'))] } as SQSEvent, {
      handle: () => new Promise((resolve) => setTimeout(resolve, 50)),
      log: silent,
      signal: new AbortController().signal,
      inFlightGraceMs: 1,
    });
    expect(response.batchItemFailures).toEqual([]);
  });
});
