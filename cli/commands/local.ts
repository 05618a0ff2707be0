import { mkdirSync } from 'node:fs';
import { localSettings, type LocalFlags } from './local-settings.js';

export type { LocalFlags } from './local-settings.js';

/** `meshplane local` / `npm start`: the whole control plane in this process until Ctrl-C or SIGTERM. */
export async function runLocal(flags: LocalFlags): Promise<void> {
  const settings = localSettings(flags);
  if (settings.dataDir) mkdirSync(settings.dataDir, { recursive: true });
  // Loaded on demand: the emulators are heavy and other commands only talk HTTP.
  const { startMeshplaneLocal } = await import('../local-runtime.js');
  const runtime = await startMeshplaneLocal({ ...settings, log: (m) => console.error(`[meshplane] ${m}`) });
  const { endpoint, dataDir } = settings;
  console.error(`[meshplane] state: ${endpoint ? `AWS endpoint ${endpoint}` : dataDir ? `persistent in ${dataDir}` : 'in memory (set MESHPLANE_DATA_DIR to keep it)'}`);
  if (settings.remediationPolicy) console.error(`[meshplane] remediation policy from REMEDIATION_POLICY${settings.remediationPolicy.dryRun ? ' (dry run: decisions are recorded, nothing is changed)' : ''}`);
  console.log(`meshplane listening on ${runtime.url}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.error(`[meshplane] ${signal}: shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}
