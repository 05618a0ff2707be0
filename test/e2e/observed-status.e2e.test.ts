/**
 * `GET /v1/services/{name}` serves what the reconcile last observed of the service (the
 * OBSERVED_STATUS_DOC document), with its age, and never calls the cluster itself: the API composes
 * only the store and the queues. The observation is written here the way the probe's reconcile writes
 * it (`store.putDocument('observed', name, …)`), from the cluster as the status reader sees it.
 */
import { describe, expect, it } from 'vitest';
import { VersionConflictError } from '../../lib/errors.js';
import { OBSERVED_STATUS_DOC, type ObservedServiceStatus } from '../../lib/model/observed-status.js';
import { NOT_OBSERVED_YET } from '../../lib/usecases/queries/read-models.js';
import { waitFor } from '../support/wait-for.js';
import { useE2eRuntime } from './support/e2e-runtime.js';

describe('GET /v1/services/{name} status', () => {
  const rt = useE2eRuntime();

  it('says "not observed yet" before the reconcile has looked, then serves the observation with observedAt and ageSeconds', async () => {
    const { api, runtime } = rt();
    await api.register({ name: 'observed-svc', image: 'example/observed:1', port: 8080, replicas: 2 });
    const { app } = runtime;
    // Nothing recorded yet (a probe may already have run on a merged branch: start from no document).
    if (!(await app.store.getDocument(OBSERVED_STATUS_DOC, 'observed-svc'))) {
      expect((await api.service('observed-svc')).status).toEqual({ error: NOT_OBSERVED_YET });
    }

    const live = await api.waitForReadyReplicas('observed-svc', 2);
    const observedAt = new Date(Date.now() - 42_000).toISOString();
    const doc: ObservedServiceStatus = { ...live, observedAt, cluster: 'local' };
    // The probe's reconcile may write the same document between our read and our write (seen on a loaded
    // machine): like any writer of it, read again and retry on the version conflict.
    await waitFor(
      'our observation written',
      async () => {
        const existing = await app.store.getDocument(OBSERVED_STATUS_DOC, 'observed-svc');
        try {
          await app.store.putDocument(OBSERVED_STATUS_DOC, 'observed-svc', doc, existing?.version ?? null);
          return true;
        } catch (err) {
          if (err instanceof VersionConflictError) return undefined;
          throw err;
        }
      },
      { intervalMs: 10 },
    );

    const status = (await api.service('observed-svc')).status as ObservedServiceStatus & { ageSeconds: number };
    if (status.observedAt === observedAt) {
      expect(status).toMatchObject({ readyReplicas: 2, desiredReplicas: 2, cluster: 'local', observedAt });
      expect(status.ageSeconds).toBeGreaterThanOrEqual(42);
      expect(status.ageSeconds).toBeLessThan(42 + 60);
    } else {
      // The probe's reconcile recorded a newer observation meanwhile: still one with its age.
      expect(Date.parse(status.observedAt)).toBeGreaterThan(Date.parse(observedAt));
      expect(status.ageSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  it('is 404 for a service that is not registered, whatever is recorded', async () => {
    expect((await rt().api.request('GET', '/v1/services/never-there')).status).toBe(404);
  });
});
