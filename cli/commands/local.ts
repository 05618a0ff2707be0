import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

export interface LocalFlags {
  port?: string;
  'data-dir'?: string;
  kubeconfig?: string;
  context?: string;
  verbose?: boolean;
}

/** `meshplane local` / `npm start`: the whole control plane in this process until Ctrl-C or SIGTERM. */
export async function runLocal(flags: LocalFlags): Promise<void> {
  const port = Number(flags.port ?? process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be a port number, got "${flags.port ?? process.env.PORT}"`);
  const dataDirFlag = flags['data-dir'] ?? process.env.MESHPLANE_DATA_DIR;
  const dataDir = dataDirFlag ? resolve(dataDirFlag) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const endpoint = process.env.AWS_ENDPOINT_URL || undefined;
  const timeFactor = Number(process.env.MESHPLANE_TIME_FACTOR ?? 0.1);
  if (!(timeFactor > 0 && timeFactor <= 1)) throw new Error(`MESHPLANE_TIME_FACTOR must be a number in (0, 1], got "${process.env.MESHPLANE_TIME_FACTOR}"`);
  // Loaded on demand: the emulators are heavy and other commands only talk HTTP.
  const { startMeshplaneLocal } = await import('../local-runtime.js');
  const runtime = await startMeshplaneLocal({
    port,
    dataDir,
    endpoint,
    timeFactor,
    kubeconfig: flags.kubeconfig ? { path: resolve(flags.kubeconfig), context: flags.context } : undefined,
    log: (m) => console.error(`[meshplane] ${m}`),
  });
  console.error(`[meshplane] state: ${endpoint ? `AWS endpoint ${endpoint}` : dataDir ? `persistent in ${dataDir}` : 'in memory (set MESHPLANE_DATA_DIR to keep it)'}`);
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
