#!/usr/bin/env node
/**
 * CDK entry point (`cdk.json`: `npx tsx infra/app.ts`). Synthesizes offline: no lookups, local
 * esbuild bundling, and an environment-agnostic stack unless context or the CLI names an account
 * and region.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { readMeshplaneConfig } from './config.js';
import { MeshplaneStack } from './meshplane-stack.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const app = new App();
const config = readMeshplaneConfig((key) => app.node.tryGetContext(key), {
  account: process.env.CDK_DEFAULT_ACCOUNT,
  region: process.env.CDK_DEFAULT_REGION,
});
new MeshplaneStack(app, `meshplane-${config.stage}`, {
  config,
  projectRoot,
  env: config.env.account || config.env.region ? config.env : undefined,
  description: `meshplane control plane (${config.stage})`,
});
// cdk-nag 3 is a policy validation plugin: violations stop synthesis (policy-validation-report.json).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
