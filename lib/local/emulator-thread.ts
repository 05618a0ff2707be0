import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Emulators } from './emulators.js';

/** Messages from the emulator thread (see emulator-thread-main.ts). */
export type EmulatorThreadMessage =
  { type: 'ready'; dynamodbEndpoint: string; sqsEndpoint: string } | { type: 'failed'; message: string } | { type: 'stopped' };

/**
 * Loads the thread's TypeScript entry however this process was started (tsx, vitest, plain node with
 * the tsx loader): the worker registers tsx itself and imports the entry by absolute URL.
 */
export const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((tsx) => { (tsx.register ?? tsx.default.register)(); return import(workerData.main); });
`;

/**
 * dynalite and fauxqs (as startEmulators starts them) on a worker thread of their own. In one event
 * loop with the API and the queue handlers, every DynamoDB and SQS request the workers make is CPU
 * the API's reads wait behind (a burst of 200 registrations delayed the loop by seconds); on their
 * own thread the emulators use the second core and the API's loop stays free. The thread lives and
 * dies with this process (kill -9 takes it along), so nothing is left running and no data directory
 * stays locked.
 */
export async function startEmulatorsInThread(dataDir?: string): Promise<Emulators> {
  const require = createRequire(import.meta.url);
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    // Not this process's flags (--cpu-prof, --inspect, test runners' loaders): the bootstrap loads what it needs.
    // node:sqlite (the persistent emulators) warns that it is experimental on every start; the start screen stays clean.
    execArgv: ['--disable-warning=ExperimentalWarning'],
    workerData: {
      tsx: pathToFileURL(require.resolve('tsx/esm/api')).href,
      main: new URL('./emulator-thread-main.ts', import.meta.url).href,
      dataDir,
    },
  });
  const next = (accept: (m: EmulatorThreadMessage) => boolean) =>
    new Promise<EmulatorThreadMessage>((resolve, reject) => {
      const onMessage = (m: EmulatorThreadMessage) => {
        if (!accept(m)) return;
        done();
        resolve(m);
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`the emulator thread exited (code ${code})`));
      };
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
    });

  const started = await next((m) => m.type === 'ready' || m.type === 'failed').catch(async (err) => {
    await worker.terminate();
    throw err;
  });
  if (started.type !== 'ready') {
    await worker.terminate();
    throw new Error(`the emulators did not start: ${started.type === 'failed' ? started.message : started.type}`);
  }
  // The thread does not keep the process alive on its own: the runtime's servers and timers do.
  worker.unref();
  return {
    dynamodbEndpoint: started.dynamodbEndpoint,
    sqsEndpoint: started.sqsEndpoint,
    async stop() {
      const stopped = next((m) => m.type === 'stopped').catch(() => undefined);
      worker.postMessage({ type: 'stop' });
      // A thread that does not answer is ended anyway; the timer is cleared so it never holds the process open.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([stopped, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
