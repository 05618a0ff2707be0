import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { armCrashPoint, crashPoint, CrashPointError } from '../../../lib/platform/crash-points.js';

const MODULE = fileURLToPath(new URL('../../../lib/platform/crash-points.ts', import.meta.url));

describe('crash points', () => {
  it('do nothing unless armed or named by MESHPLANE_CRASH_AT', () => {
    expect(() => crashPoint('register.after-commit')).not.toThrow();
  });

  it('throw once where a test armed them, then are quiet again', () => {
    armCrashPoint('register.after-commit');
    expect(() => crashPoint('register.after-enqueue')).not.toThrow();
    expect(() => crashPoint('register.after-commit')).toThrow(CrashPointError);
    expect(() => crashPoint('register.after-commit')).not.toThrow();
    const disarm = armCrashPoint('update.after-commit');
    disarm();
    expect(() => crashPoint('update.after-commit')).not.toThrow();
  });

  it('kill the process with SIGKILL at the point MESHPLANE_CRASH_AT names (no exit handlers run)', () => {
    const script = `const { crashPoint } = await import(${JSON.stringify(MODULE)});
process.on('exit', () => console.log('exit handler ran'));
crashPoint('deploy.after-enqueue'); console.log('passed deploy.after-enqueue');
crashPoint('register.after-commit'); console.log('passed register.after-commit');`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, MESHPLANE_CRASH_AT: 'register.after-commit' },
      encoding: 'utf8',
    });
    expect(run.signal).toBe('SIGKILL');
    expect(run.stdout.trim()).toBe('passed deploy.after-enqueue');
    expect(run.stderr).toContain('crash point register.after-commit');
  });
});
