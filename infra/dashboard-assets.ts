/**
 * The dashboard's files for the stack: the same esbuild build the local runtime serves
 * (lib/local/dashboard-bundle.ts), run synchronously as the asset's local bundling step (constructors
 * cannot wait; no Docker). Synthesis with bundling skipped (`aws:cdk:bundling-stacks: []`, the tests) never runs it.
 */
import { DockerImage, type BundlingOptions, type ILocalBundling } from 'aws-cdk-lib';
import { buildSync } from 'esbuild';
import { DASHBOARD_BUILD_OPTIONS, toBundle, writeBundle } from '../lib/local/dashboard-bundle.js';

export const dashboardLocalBundling: ILocalBundling = {
  tryBundle(outputDir: string): boolean {
    const result = buildSync(DASHBOARD_BUILD_OPTIONS);
    writeBundle(outputDir, toBundle(result.outputFiles ?? []));
    return true;
  },
};

/** Asset bundling options: local only (the image is never pulled: local bundling always succeeds or throws). */
export const DASHBOARD_BUNDLING: BundlingOptions = { image: DockerImage.fromRegistry('public.ecr.aws/docker/library/busybox'), local: dashboardLocalBundling };
