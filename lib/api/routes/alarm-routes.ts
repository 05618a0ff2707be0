import * as z from 'zod';
import type { CoreDeps } from '../../usecases/deps.js';
import { AlarmSubmission, submitSignal } from '../../usecases/health/submit-signal.js';
import { json, parseBody } from '../http.js';
import type { Route } from '../router.js';
import { ErrorBody } from '../schemas.js';

export function alarmRoutes(deps: CoreDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/alarms',
      tag: 'health',
      summary: 'Report a health signal (ALARM or OK) about a service; the remediation policy decides, and its decision appears in the service events',
      body: AlarmSubmission,
      responses: {
        202: { description: 'Accepted', schema: z.object({ signalId: z.string(), links: z.record(z.string(), z.string()) }) },
        400: { description: 'Invalid signal', schema: ErrorBody },
      },
      handle: async ({ request }) => {
        const signal = await submitSignal(deps, parseBody(request, AlarmSubmission));
        return json(202, { signalId: signal.id, links: { events: `/v1/services/${signal.service}/events` } });
      },
    },
  ];
}
