import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../lib/local/data-dir-lock.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'meshplane-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('lockDataDir', () => {
  it('takes a fresh directory, writes its pid, and removes the file on release', () => {
    const d = dir();
    const lock = lockDataDir(d);
    expect(lock.previousOwnerDied).toBe(false);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
    expect(lockDataDir(d).previousOwnerDied).toBe(false);
  });

  it('refuses a directory a live process holds, naming the pid and what to do', () => {
    const d = dir();
    writeFileSync(join(d, LOCK_FILE), '4242\n');
    let err: unknown;
    try {
      lockDataDir(d, (pid) => pid === 4242);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirInUseError);
    expect((err as Error).message).toMatch(/pid 4242\).*stop it first, or choose another MESHPLANE_DATA_DIR/);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe('4242');
  });

  it('takes over from a process that died without releasing it, and says so', () => {
    const d = dir();
    const pid = deadPid();
    writeFileSync(join(d, LOCK_FILE), `${pid}\n`);
    const lock = lockDataDir(d);
    expect(lock.previousOwnerDied).toBe(true);
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
  });

  it('does not remove a file another process has taken since', () => {
    const d = dir();
    const lock = lockDataDir(d);
    writeFileSync(join(d, LOCK_FILE), '4242\n');
    lock.release();
    expect(readFileSync(join(d, LOCK_FILE), 'utf8').trim()).toBe('4242');
  });
});
