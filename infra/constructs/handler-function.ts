import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { BUNDLE_RUNTIME_ENV, cdkBundlingOptions } from '../bundling.js';
import { functionTimeoutSeconds, type HandlerDefinition } from '../handler-catalog.js';

/** Bundling hooks that copy `assets` (project-relative) next to the bundle. */
function copyAssets(assets: readonly string[]): Pick<BundlingOptions, 'commandHooks'> {
  if (assets.length === 0) return {};
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir, outputDir) => assets.map((asset) => `cp "${join(inputDir, asset)}" "${outputDir}/"`),
    },
  };
}

/** Settings every function of the control plane shares. */
export interface HandlerFunctionDefaults {
  projectRoot: string;
  stage: string;
  /** Environment every function gets (table, queue URLs…); per-handler values are added on top. */
  environment: Record<string, string>;
  logRetention: RetentionDays;
  logLevel: string;
  /** Placement in a VPC; absent = Lambda's own network (reaches public EKS endpoints). */
  network?: { vpc: ec2.IVpc; subnets: ec2.ISubnet[]; securityGroup: ec2.ISecurityGroup };
  /** Overrides of the bundling options (tests skip minification to synthesize faster). */
  bundling?: Partial<BundlingOptions>;
}

/**
 * One control-plane Lambda function from its {@link HandlerDefinition}, with the defaults built in:
 * local esbuild ESM bundle, Node.js 22 on ARM64, X-Ray tracing, its own log group with
 * retention (Powertools writes JSON lines), and the Powertools environment.
 */
export class HandlerFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  /** `role`: the function's own execution role (`function-role.ts`), built from its declared needs. */
  constructor(
    scope: Construct,
    id: string,
    handler: HandlerDefinition,
    defaults: HandlerFunctionDefaults,
    role: iam.IRole,
    environment: Record<string, string> = {},
  ) {
    super(scope, id);
    const functionName = `meshplane-${defaults.stage}-${handler.id}`;
    // Created here rather than by Lambda on first invocation, so it has a retention and is removed
    // with the stack (logs of a deleted function have no owner).
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: defaults.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.function = new NodejsFunction(this, 'Function', {
      functionName,
      description: handler.description,
      entry: join(defaults.projectRoot, handler.entry),
      handler: 'handler',
      projectRoot: defaults.projectRoot,
      depsLockFilePath: join(defaults.projectRoot, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: handler.memorySizeMb,
      timeout: Duration.seconds(functionTimeoutSeconds(handler)),
      role,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      bundling: { ...cdkBundlingOptions(), ...defaults.bundling, ...copyAssets(handler.assets ?? []) },
      environment: {
        ...defaults.environment,
        ...environment,
        ...BUNDLE_RUNTIME_ENV,
        POWERTOOLS_SERVICE_NAME: handler.id,
        POWERTOOLS_METRICS_NAMESPACE: 'meshplane',
        LOG_LEVEL: defaults.logLevel,
      },
      ...(defaults.network
        ? { vpc: defaults.network.vpc, vpcSubnets: { subnets: defaults.network.subnets }, securityGroups: [defaults.network.securityGroup] }
        : {}),
    });
    this.logGroup.grantWrite(role);
  }
}
