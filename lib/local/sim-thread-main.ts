import { parentPort, workerData } from 'node:worker_threads';
import { startSimCluster, type SimClusterOptions } from '../sim/index.js';
import type { SimThreadMessage, SimThreadRequest } from './sim-thread.js';

/** The simulated cluster's thread (started by startSimClusterInThread): starts it, reports its URL, moves its time and stops it when asked. */
const port = parentPort!;
const post = (m: SimThreadMessage) => port.postMessage(m);

try {
  const sim = await startSimCluster((workerData as { options: SimClusterOptions }).options);
  port.on('message', (m: SimThreadRequest) => {
    if (m.type === 'advance')
      void sim.advanceTime(m.seconds).then(
        () => post({ type: 'advanced', id: m.id }),
        (err: unknown) => post({ type: 'advanced', id: m.id, error: (err as Error).message }),
      );
    else if (m.type === 'stop')
      void sim
        .stop()
        .catch(() => undefined)
        .then(() => post({ type: 'stopped' }));
  });
  post({ type: 'ready', url: sim.url });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message });
}
