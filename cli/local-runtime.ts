import { createApiHandler } from '../functions/api.js';
import { createDeployRequestedHandler } from '../functions/on-deploy-requested.js';
import { createHealthAlarmHandler } from '../functions/on-health-alarm.js';
import { createHealthProbeHandler } from '../functions/health-probe.js';
import { createOptimizerHandler, createOptimizerRunsHandler } from '../functions/optimizer.js';
import { createServiceEventHandler } from '../functions/on-service-event.js';
import { createOperationsSweeperHandler } from '../functions/operations-sweeper.js';
import { createPublishEventsHandler } from '../functions/publish-events.js';
import { alarmIntakeOf } from '../lib/composition/alarm-intake.js';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../lib/local/runtime.js';

export interface MeshplaneLocalOptions extends Omit<LocalRuntimeOptions, 'wire'> {
  /** Health probe period in simulated seconds (compressed by timeFactor), default 60. */
  probePeriodSeconds?: number;
  /** Scheduled optimizer period in simulated seconds; off when absent (start a run with POST /v1/optimizer/runs). */
  optimizerPeriodSeconds?: number;
}

/** As the stack's schedule (`rate(1 minute)` in infra/handler-catalog.ts), compressed by timeFactor like every period here. */
export const OPERATIONS_SWEEP_PERIOD_SECONDS = 60;

/** Starts the local control plane with the very handlers that run on Lambda. */
export function startMeshplaneLocal(options: MeshplaneLocalOptions): Promise<LocalRuntime> {
  return startLocalRuntime({
    ...options,
    wire: (app, local) => ({
      api: createApiHandler(app),
      // The table stream's consumer, as on AWS; the local bus and metrics stand in for EventBridge and CloudWatch.
      tableStream: createPublishEventsHandler({ sink: local.events, telemetry: local.telemetry }),
      queues: {
        serviceEvents: createServiceEventHandler(app),
        deployRequests: createDeployRequestedHandler(app),
        // As on Lambda, the alarm intake reaches no cluster: it queues service.converge to on-service-event.
        healthAlarms: createHealthAlarmHandler(alarmIntakeOf(app, { remediationPolicy: app.remediationPolicy, alarmTags: app.alarmTags })),
        optimizerRuns: createOptimizerRunsHandler(app),
      },
      schedules: {
        'health-probe': { periodSeconds: options.probePeriodSeconds ?? 60, handler: createHealthProbeHandler(app) },
        'operations-sweeper': { periodSeconds: OPERATIONS_SWEEP_PERIOD_SECONDS, handler: createOperationsSweeperHandler(app) },
        ...(options.optimizerPeriodSeconds ? { optimizer: { periodSeconds: options.optimizerPeriodSeconds, handler: createOptimizerHandler(app) } } : {}),
      },
    }),
  });
}
