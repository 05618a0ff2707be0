import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMeshplaneConfig, type MeshplaneConfig } from '../../../infra/config.js';
import { MeshplaneStack } from '../../../infra/meshplane-stack.js';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..', '..');

/** The context of cdk.json (feature flags and defaults), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')).context;
}

export interface SynthesizedMeshplane {
  app: App;
  stack: MeshplaneStack;
  config: MeshplaneConfig;
}

/**
 * Builds the stack from cdk.json's context plus `context`, in a fresh app writing to a temp dir.
 * Bundling is skipped (`aws:cdk:bundling-stacks: []`): the bundles are checked by bundles.test.ts
 * with the same esbuild options, and skipping them keeps synthesis to seconds.
 */
export function buildMeshplane(context: Record<string, unknown> = {}, options: { nag?: boolean } = {}): SynthesizedMeshplane {
  const merged = { ...cdkJsonContext(), ...context };
  const app = new App({ outdir: mkdtempSync(join(tmpdir(), 'meshplane-cdk-')), context: { ...merged, 'aws:cdk:bundling-stacks': [] } });
  const config = readMeshplaneConfig((key) => merged[key]);
  const stack = new MeshplaneStack(app, `meshplane-${config.stage}`, {
    config,
    projectRoot: PROJECT_ROOT,
    env: config.env.account || config.env.region ? config.env : undefined,
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, config };
}

export function templateOf(context: Record<string, unknown> = {}): { template: Template } & SynthesizedMeshplane {
  const built = buildMeshplane(context);
  return { ...built, template: Template.fromStack(built.stack) };
}

/** A context naming every optional feature, for the tests of optional resources. */
export const FULL_CONTEXT = {
  stage: 'staging',
  account: '123456789012',
  region: 'eu-west-1',
  clusters: [
    { name: 'shop-a' },
    { name: 'shop-b', access: 'kubernetesGroups' },
    { name: 'far-away', region: 'us-east-1' },
    { name: 'partner', roleArn: 'arn:aws:iam::210987654321:role/meshplane-access' },
  ],
  alarmEmail: 'platform@example.com',
  jwtIssuer: 'https://auth.example.com/',
  jwtAudience: 'meshplane',
  ampWorkspaceArn: 'arn:aws:aps:eu-west-1:123456789012:workspace/ws-1a2b3c4d',
  logRetentionDays: 90,
  vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-01234567', 'subnet-89abcdef'], availabilityZones: ['eu-west-1a', 'eu-west-1b'] },
} as const;
