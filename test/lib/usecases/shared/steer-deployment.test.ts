import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../../lib/composition/create-app.js';
import { ConflictError, NotFoundError } from '../../../../lib/errors.js';
import type { DeploymentRecord } from '../../../../lib/model/records.js';
import { steerDeployment } from '../../../../lib/usecases/shared/steer-deployment.js';
import { useTestStack } from '../../../support/local-stack.js';

const stack = useTestStack();
let app: App;

beforeAll(async () => {
  app = stack().createApp();
});

let n = 0;
async function deployment(status: DeploymentRecord['status']): Promise<DeploymentRecord> {
  const at = new Date().toISOString();
  const d: DeploymentRecord = {
    id: `dep-steer-${++n}`,
    service: 'steered',
    image: 'x:2',
    status,
    strategy: 'canary',
    fromRevision: 1,
    steps: [],
    operationId: `op-${n}`,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  await app.store.putDeployment(d, null);
  return d;
}

describe('steerDeployment', () => {
  it('records a promote request on a paused rollout', async () => {
    const d = await deployment('paused');
    expect((await steerDeployment(app, 'steered', d.id, 'promote')).requested).toBe('promote');
  });

  it('keeps an abort: a later promote is refused and the abort stays', async () => {
    const d = await deployment('running');
    await steerDeployment(app, 'steered', d.id, 'abort');
    await expect(steerDeployment(app, 'steered', d.id, 'promote')).rejects.toBeInstanceOf(ConflictError);
    expect((await app.store.getDeployment('steered', d.id))?.requested).toBe('abort');
  });

  it('lets an abort override a pending promote', async () => {
    const d = await deployment('paused');
    await steerDeployment(app, 'steered', d.id, 'promote');
    expect((await steerDeployment(app, 'steered', d.id, 'abort')).requested).toBe('abort');
  });

  it('ends a queued deployment at once on abort', async () => {
    const d = await deployment('pending');
    const aborted = await steerDeployment(app, 'steered', d.id, 'abort');
    expect(aborted.status).toBe('aborted');
  });

  it('refuses to steer an ended deployment, and says so for an unknown one', async () => {
    const d = await deployment('promoted');
    await expect(steerDeployment(app, 'steered', d.id, 'abort')).rejects.toBeInstanceOf(ConflictError);
    await expect(steerDeployment(app, 'steered', 'dep-nope', 'abort')).rejects.toBeInstanceOf(NotFoundError);
  });
});
