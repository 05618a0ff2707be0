import { mkdirSync } from 'node:fs';
import { localSettings, type LocalFlags } from './local-settings.js';
import { watchParent } from '../parent-watch.js';
import { isSignalEcho } from './signal-echo.js';

export type { LocalFlags } from './local-settings.js';

const PARENT_EXITED = 'parent process exited';

/** How long a clean stop may take before the process exits anyway (state is journaled, so nothing acknowledged is lost). */
const STOP_DEADLINE_MS = 30_000;

/**
 * `meshplane local` / `npm start`: the whole control plane in this process until Ctrl-C, SIGTERM, or
 * (when started by npm, or with MESHPLANE_EXIT_WITH_PARENT=1) the death of the parent process.
 */
export async function runLocal(flags: LocalFlags): Promise<void> {
  const settings = localSettings(flags);
  if (settings.dataDir) mkdirSync(settings.dataDir, { recursive: true });
  // Signals that arrive while the emulators start: stop as soon as they are up.
  let stopRequested: string | undefined;
  let shutdown = (signal: string) => void (stopRequested ??= signal);
  const onSignal = (signal: NodeJS.Signals) => shutdown(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  if (process.env.MESHPLANE_EXIT_WITH_PARENT === '1' || (process.env.MESHPLANE_EXIT_WITH_PARENT !== '0' && process.env.npm_lifecycle_event)) {
    watchParent(() => shutdown(PARENT_EXITED));
  }

  // The handlers log every record at INFO, as they should on Lambda; on a terminal that buries the start
  // screen, so locally they log warnings and errors unless LOG_LEVEL says otherwise.
  process.env.LOG_LEVEL ||= 'WARN';
  // Loaded on demand: the emulators are heavy and other commands only talk HTTP.
  const { startMeshplaneLocal } = await import('../local-runtime.js');
  // The emulators on a thread of their own: under load the API's reads do not wait behind their work.
  const runtime = await startMeshplaneLocal({ ...settings, emulators: 'thread', log: (m) => console.error(`[meshplane] ${m}`) });
  const { endpoint, dataDir } = settings;
  console.error(
    `[meshplane] state: ${endpoint ? `AWS endpoint ${endpoint}` : dataDir ? `persistent in ${dataDir}` : 'in memory (set MESHPLANE_DATA_DIR to keep it)'}`,
  );
  if (settings.remediationPolicy)
    console.error(
      `[meshplane] remediation policy from REMEDIATION_POLICY${settings.remediationPolicy.dryRun ? ' (dry run: decisions are recorded, nothing is changed)' : ''}`,
    );
  if (process.env.LOG_LEVEL === 'WARN') console.error('[meshplane] handler logs: warnings and errors (LOG_LEVEL=INFO shows every record handled)');
  console.log(`meshplane listening on ${runtime.url}`);

  let stopping: { signal: string; at: number } | undefined;
  shutdown = (signal: string) => {
    // npm may exit as soon as it has passed a signal on: the stop under way goes on (bounded by STOP_DEADLINE_MS).
    if (stopping && signal === PARENT_EXITED) return;
    // The terminal's Ctrl-C and npm's copy of it: one request.
    if (stopping && isSignalEcho(stopping, signal, Date.now())) return;
    if (stopping) {
      // A second Ctrl-C: the user does not want to wait.
      console.error(`[meshplane] ${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = { signal, at: Date.now() };
    console.error(`[meshplane] ${signal}: shutting down (waiting for work in progress; press Ctrl-C again to exit now)`);
    const force = setTimeout(() => {
      console.error(`[meshplane] still stopping after ${STOP_DEADLINE_MS / 1000} s: exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS);
    force.unref();
    runtime.stop().then(
      () => {
        console.error('[meshplane] stopped');
        process.exit(0);
      },
      (err: unknown) => {
        console.error(`[meshplane] stop failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  if (stopRequested) shutdown(stopRequested);
}
