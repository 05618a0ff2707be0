/** Runs the meshplane CLI (`bin/meshplane.mjs`) as a separate process, as a user would. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshplane.mjs');

/** How a CLI run ended and what it printed. */
export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node bin/meshplane.mjs ...args` with the Node running the tests (asynchronously: the API it
 * talks to lives in this process). Resolves with the exit code rather than rejecting on a non-zero one.
 */
export function runCli(args: string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { timeout: timeoutMs, encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } },
      (err, stdout, stderr) => {
        if (!err) return resolve({ exitCode: 0, stdout, stderr });
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'number') return resolve({ exitCode: code, stdout, stderr });
        reject(new Error(`meshplane ${args.join(' ')} did not run: ${err.message}\n${stderr}`));
      },
    );
  });
}
