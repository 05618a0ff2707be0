import { createApiHandler } from '../functions/api.js';
import { createDeployRequestedHandler } from '../functions/on-deploy-requested.js';
import { createHealthAlarmHandler } from '../functions/on-health-alarm.js';
import { createServiceEventHandler } from '../functions/on-service-event.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../lib/local/runtime.js';

export interface MeshplaneLocalOptions extends Omit<LocalRuntimeOptions, 'wire'> {
  /** A real cluster instead of the simulated one. */
  kubeconfig?: { path: string; context?: string };
}

/** Starts the local control plane with the very handlers that run on Lambda. */
export function startMeshplaneLocal(options: MeshplaneLocalOptions): Promise<LocalRuntime> {
  return startLocalRuntime({
    ...options,
    wire: (app) => ({
      api: createApiHandler(app),
      queues: {
        serviceEvents: createServiceEventHandler(app),
        deployRequests: createDeployRequestedHandler(app),
        healthAlarms: createHealthAlarmHandler(app),
      },
    }),
  });
}
