import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LOCAL_PORT, DEFAULT_TIME_FACTOR, InvalidLocalSettingError, localSettings } from '../../../cli/commands/local-settings.js';
import { RemediationPolicy } from '../../../lib/health/remediation-policy.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'meshplane.mjs');

describe('localSettings: flags and environment of meshplane local', () => {
  it('defaults: port 8080, time factor 0.1, in memory, embedded emulators, the default remediation policy', () => {
    expect(localSettings({}, {})).toEqual({ port: DEFAULT_LOCAL_PORT, timeFactor: DEFAULT_TIME_FACTOR });
  });

  it.each([
    { name: 'PORT', flags: {}, env: { PORT: '9090' }, expected: { port: 9090 } },
    { name: '--port over PORT', flags: { port: '7070' }, env: { PORT: '9090' }, expected: { port: 7070 } },
    { name: 'port 0 (any free port)', flags: { port: '0' }, env: {}, expected: { port: 0 } },
    { name: 'MESHPLANE_DATA_DIR, made absolute', flags: {}, env: { MESHPLANE_DATA_DIR: 'state' }, expected: { dataDir: resolve('state') } },
    { name: '--data-dir over MESHPLANE_DATA_DIR', flags: { 'data-dir': '/tmp/a' }, env: { MESHPLANE_DATA_DIR: '/tmp/b' }, expected: { dataDir: '/tmp/a' } },
    { name: 'AWS_ENDPOINT_URL', flags: {}, env: { AWS_ENDPOINT_URL: 'http://localhost:4566' }, expected: { endpoint: 'http://localhost:4566' } },
    { name: 'a time factor of 1 (real time)', flags: {}, env: { MESHPLANE_TIME_FACTOR: '1' }, expected: { timeFactor: 1 } },
    { name: 'a small time factor', flags: {}, env: { MESHPLANE_TIME_FACTOR: '0.02' }, expected: { timeFactor: 0.02 } },
    {
      name: '--kubeconfig with --context',
      flags: { kubeconfig: '/k/config', context: 'prod' },
      env: {},
      expected: { kubeconfig: { path: '/k/config', context: 'prod' } },
    },
    { name: 'MESHPLANE_SIM_CLUSTERS', flags: {}, env: { MESHPLANE_SIM_CLUSTERS: '3' }, expected: { simClusters: 3 } },
    { name: '--sim-clusters over MESHPLANE_SIM_CLUSTERS', flags: { 'sim-clusters': '2' }, env: { MESHPLANE_SIM_CLUSTERS: '3' }, expected: { simClusters: 2 } },
    { name: 'one simulated cluster is the default', flags: { 'sim-clusters': '1' }, env: {}, expected: {} },
    { name: 'MESHPLANE_KUBECONFIG_DIR, made absolute', flags: {}, env: { MESHPLANE_KUBECONFIG_DIR: 'kc' }, expected: { kubeconfigDir: resolve('kc') } },
    {
      name: '--kubeconfig-dir over MESHPLANE_KUBECONFIG_DIR',
      flags: { 'kubeconfig-dir': '/a' },
      env: { MESHPLANE_KUBECONFIG_DIR: '/b' },
      expected: { kubeconfigDir: '/a' },
    },
    { name: 'MESHPLANE_ALLOW_EXEC_PLUGINS=1', flags: {}, env: { MESHPLANE_ALLOW_EXEC_PLUGINS: '1' }, expected: { allowExecPlugins: true } },
    { name: '--allow-exec-plugins', flags: { 'allow-exec-plugins': true }, env: {}, expected: { allowExecPlugins: true } },
    { name: 'MESHPLANE_ADMIN_TOKEN', flags: {}, env: { MESHPLANE_ADMIN_TOKEN: 'x'.repeat(32) }, expected: { adminToken: 'x'.repeat(32) } },
  ])('$name', ({ flags, env, expected }) => {
    expect(localSettings(flags, env)).toMatchObject(expected);
  });

  it('REMEDIATION_POLICY overrides fields and keeps the defaults of the rest', () => {
    const settings = localSettings({}, { REMEDIATION_POLICY: '{"dryRun": true, "hysteresis": {"minConsecutiveAlarms": 3}}' });
    const defaults = RemediationPolicy.parse({});
    expect(settings.remediationPolicy).toEqual({ ...defaults, dryRun: true, hysteresis: { ...defaults.hysteresis, minConsecutiveAlarms: 3 } });
  });

  it('an empty REMEDIATION_POLICY is the default policy', () => {
    expect(localSettings({}, { REMEDIATION_POLICY: '  ' }).remediationPolicy).toBeUndefined();
  });

  it.each([
    { name: 'a port out of range', flags: { port: '70000' }, env: {}, setting: '--port', message: /--port must be a port number, got "70000"/ },
    { name: 'no simulated cluster', flags: { 'sim-clusters': '0' }, env: {}, setting: '--sim-clusters', message: /from 1 to 9, got "0"/ },
    { name: 'MESHPLANE_SIM_CLUSTERS=two', flags: {}, env: { MESHPLANE_SIM_CLUSTERS: 'two' }, setting: 'MESHPLANE_SIM_CLUSTERS', message: /got "two"/ },
    { name: '--sim-clusters with a kubeconfig', flags: { 'sim-clusters': '2', kubeconfig: '/k' }, env: {}, setting: '--sim-clusters', message: /--kubeconfig/ },
    { name: 'a PORT that is not a number', flags: {}, env: { PORT: 'http' }, setting: 'PORT', message: /got "http"/ },
    {
      name: 'a time factor of 0',
      flags: {},
      env: { MESHPLANE_TIME_FACTOR: '0' },
      setting: 'MESHPLANE_TIME_FACTOR',
      message: /MESHPLANE_TIME_FACTOR must be a number in \(0, 1\], got "0"/,
    },
    { name: 'a time factor above 1', flags: {}, env: { MESHPLANE_TIME_FACTOR: '2' }, setting: 'MESHPLANE_TIME_FACTOR', message: /in \(0, 1\], got "2"/ },
    { name: 'a time factor that is not a number', flags: {}, env: { MESHPLANE_TIME_FACTOR: 'fast' }, setting: 'MESHPLANE_TIME_FACTOR', message: /got "fast"/ },
    {
      name: 'an admin token too short to be a secret',
      flags: {},
      env: { MESHPLANE_ADMIN_TOKEN: 'secret' },
      setting: 'MESHPLANE_ADMIN_TOKEN',
      message: /at least 16 characters/,
    },
    {
      name: 'MESHPLANE_ALLOW_EXEC_PLUGINS=yes',
      flags: {},
      env: { MESHPLANE_ALLOW_EXEC_PLUGINS: 'yes' },
      setting: 'MESHPLANE_ALLOW_EXEC_PLUGINS',
      message: /must be 1 or 0/,
    },
    {
      name: 'malformed REMEDIATION_POLICY JSON',
      flags: {},
      env: { REMEDIATION_POLICY: '{dryRun: true}' },
      setting: 'REMEDIATION_POLICY',
      message: /^REMEDIATION_POLICY is not JSON \(.+\); expected an object such as \{"dryRun":true\}$/,
    },
    {
      name: 'a REMEDIATION_POLICY field of the wrong type',
      flags: {},
      env: { REMEDIATION_POLICY: '{"dryRun": "yes"}' },
      setting: 'REMEDIATION_POLICY',
      message: /^REMEDIATION_POLICY is not a valid remediation policy: dryRun: must be true or false \(got string\)$/,
    },
    {
      name: 'a REMEDIATION_POLICY that is not an object',
      flags: {},
      env: { REMEDIATION_POLICY: '[]' },
      setting: 'REMEDIATION_POLICY',
      message: /^REMEDIATION_POLICY is not a valid remediation policy: must be an object \(got an array\)$/,
    },
  ])('rejects $name, naming the setting', ({ flags, env, setting, message }) => {
    let thrown: unknown;
    try {
      localSettings(flags, env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidLocalSettingError);
    expect((thrown as InvalidLocalSettingError).setting).toBe(setting);
    expect((thrown as Error).message).toMatch(message);
  });
});

describe('meshplane local with a malformed REMEDIATION_POLICY', () => {
  it('exits 1 with the reason before starting anything', async () => {
    const result = await new Promise<{ code: number | null; stderr: string; stdout: string }>((done) => {
      execFile(
        process.execPath,
        [BIN, 'local'],
        {
          timeout: 30_000,
          encoding: 'utf8',
          env: { ...process.env, PORT: '0', MESHPLANE_DATA_DIR: '', REMEDIATION_POLICY: '{"dryRun":', NODE_NO_WARNINGS: '1' },
        },
        (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^meshplane: REMEDIATION_POLICY is not JSON \(/);
    expect(result.stdout).not.toContain('listening');
  });
});
