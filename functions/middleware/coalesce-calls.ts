/** One call's end in a batch: its outcome, or the error that fails it. */
export type Settled<R> = { ok: true; outcome: R } | { ok: false; error: unknown };

/**
 * Gathers the calls made in one turn of the event loop into one call of `many`, and answers each with
 * its own result (or rejects it with its own error; all of them when `many` throws). With
 * processFifoBatch starting every message group of a batch at once, the first record of each group
 * arrives in the same turn: the batch is handled together (e.g. decided against one ledger read and
 * committed in one write), while a group's later records still wait for its earlier ones.
 *
 * @example
 * const handle = coalesceCalls((envelopes: EventEnvelope[]) => handleHealthSignals(app, envelopes));
 */
export function coalesceCalls<T, R>(many: (items: T[]) => Promise<Settled<R>[]>): (item: T) => Promise<R> {
  let waiting: { item: T; resolve: (outcome: R) => void; reject: (error: unknown) => void }[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    try {
      const results = await many(batch.map((w) => w.item));
      batch.forEach((w, i) => {
        const result = results[i];
        if (result?.ok) w.resolve(result.outcome);
        else w.reject(result ? result.error : new Error('no result for a call of the batch'));
      });
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      if (!waiting.length) setImmediate(() => void flush());
      waiting.push({ item, resolve, reject });
    });
}
