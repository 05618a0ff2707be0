import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { bundleHandlerSync } from '../bundle-handler.js';
import { BUNDLE_RUNTIME_ENV } from '../bundling.js';
import { functionTimeoutSeconds, type HandlerDefinition } from '../handler-catalog.js';

/**
 * The handler's code: `index.mjs`, the chunks of its dynamic imports and its assets, bundled by the
 * locally installed esbuild with the options of `infra/bundling.ts` (never Docker). `NodejsFunction`
 * cannot split a bundle into chunks (it names one output file), so the stack bundles itself.
 */
function handlerCode(projectRoot: string, handler: HandlerDefinition, overrides: Partial<BuildOptions> = {}): Code {
  return Code.fromAsset(projectRoot, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Only used if local bundling declined, which it never does; it also makes each handler's asset cache key its own.
      image: DockerImage.fromRegistry('local-esbuild-only'),
      command: ['esbuild', handler.entry, ...(handler.assets ?? []), JSON.stringify(overrides)],
      local: {
        tryBundle(outputDir) {
          bundleHandlerSync(projectRoot, handler, outputDir, overrides);
          return true;
        },
      },
    },
  });
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
  /** Overrides of the esbuild options (e.g. no minification). */
  bundling?: Partial<BuildOptions>;
}

/**
 * One control-plane Lambda function from its {@link HandlerDefinition}, with the defaults built in:
 * local esbuild ESM bundle split into chunks, Node.js 22 on ARM64, X-Ray tracing, its own log group with
 * retention (Powertools writes JSON lines), and the Powertools environment.
 */
export class HandlerFunction extends Construct {
  readonly function: LambdaFunction;
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
    this.function = new LambdaFunction(this, 'Function', {
      functionName,
      description: handler.description,
      code: handlerCode(defaults.projectRoot, handler, defaults.bundling),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: handler.memorySizeMb,
      timeout: Duration.seconds(functionTimeoutSeconds(handler)),
      role,
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
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
