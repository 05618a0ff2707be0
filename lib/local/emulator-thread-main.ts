import { parentPort, workerData } from 'node:worker_threads';
import type { EmulatorThreadMessage } from './emulator-thread.js';
import { startEmulators } from './emulators.js';

/** The emulator thread (started by startEmulatorsInThread): starts the emulators, reports their endpoints, stops them when asked. */
const port = parentPort!;
const post = (m: EmulatorThreadMessage) => port.postMessage(m);

try {
  const emulators = await startEmulators((workerData as { dataDir?: string }).dataDir);
  port.on('message', (m: { type?: string }) => {
    if (m.type !== 'stop') return;
    void emulators
      .stop()
      .catch(() => undefined)
      .then(() => post({ type: 'stopped' }));
  });
  post({ type: 'ready', dynamodbEndpoint: emulators.dynamodbEndpoint, sqsEndpoint: emulators.sqsEndpoint });
} catch (err) {
  post({ type: 'failed', message: (err as Error).message });
}
