/**
 * Runs the real kubectl against the simulated cluster. Always asynchronous: the simulated API server
 * lives in the test process, so a synchronous child process would block the very server kubectl calls.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where kubectl is, or undefined when it is not installed (tests that need it are skipped). */
export function findKubectl(): string | undefined {
  const candidates = [
    '/usr/bin/kubectl',
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'kubectl')),
  ];
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What a kubectl run printed. */
export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `kubectl --kubeconfig <kubeconfigPath> ...args` (optionally with stdin) and resolves with its output. */
export function kubectl(binary: string, kubeconfigPath: string, args: string[], options: { stdin?: string; timeoutMs?: number } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      binary,
      ['--kubeconfig', kubeconfigPath, '--request-timeout=10s', ...args],
      { timeout: options.timeoutMs ?? 20_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve({ exitCode: 0, stdout, stderr });
        const code = (err as { code?: unknown }).code;
        // A numeric code is kubectl's exit status; anything else (ENOENT, killed on timeout) is ours.
        if (typeof code === 'number') return resolve({ exitCode: code, stdout, stderr });
        reject(new Error(`kubectl ${args.join(' ')} did not run: ${err.message}`));
      },
    );
    if (options.stdin !== undefined) child.stdin?.end(options.stdin);
  });
}

/** Parses kubectl's table output (`get … -o wide`) into rows keyed by column header. */
export function parseKubectlTable(output: string): Record<string, string>[] {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0];
  // Columns start where a header word starts; values are left-aligned under their header.
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index ?? 0 }));
  return lines
    .slice(1)
    .map((line) => Object.fromEntries(starts.map((col, i) => [col.name, line.slice(col.at, i + 1 < starts.length ? starts[i + 1].at : undefined).trim()])));
}
