import { CfnOutput, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, PayloadFormatVersion, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ADMIN_ROUTES, ADMIN_SCOPE } from '../../lib/api/admin-access.js';

/** Every path of the v1 API goes to the one API function, which routes it (lib/api). */
export const API_ROUTE_PATH = '/v1/{proxy+}';

/** Steady-state requests per second and burst the stage accepts before answering 429. */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** Access log line: HTTP API `$context` variables (REST-only ones such as resourcePath are not valid here). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  routeKey: '$context.routeKey',
  path: '$context.path',
  status: '$context.status',
  latencyMs: '$context.responseLatency',
  caller: '$context.identity.caller',
  userArn: '$context.identity.userArn',
  sourceIp: '$context.identity.sourceIp',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
});

export interface MeshplaneHttpApiProps {
  stage: string;
  handler: IFunction;
  /** A JWT authorizer instead of the default IAM (SigV4) authorization. */
  jwt?: { issuer: string; audience: string[] };
  logRetention: RetentionDays;
  /**
   * The scope a JWT needs on the admin routes (cluster registration and removal).
   * @default 'meshplane/admin'
   */
  adminScope?: string;
  /**
   * Whether the admin routes exist on this API. Without them, cluster changes sent to it arrive through
   * `/v1/{proxy+}` and the API function refuses them (403): the dashboard's API in IAM mode has none.
   * @default true
   */
  adminRoutes?: boolean;
  /**
   * JWT mode: scopes of which a token needs one on every (non-admin) route; none when absent.
   * @default no scope required
   */
  routeScopes?: string[];
  /**
   * Name of the API after `meshplane-<stage>`, for a second API of the same stage.
   * @default no suffix
   */
  nameSuffix?: string;
}

/** `POST/v1/clusters`-style suffixes of the execute-api ARNs of the admin routes (`{id}` becomes `*`). */
const ADMIN_ROUTE_ARN_SUFFIXES = ADMIN_ROUTES.map((r) => ({ method: r.method, path: r.path.replace(/\{[^}]+\}/g, '*') }));

/**
 * The public entry point: an API Gateway HTTP API whose routes require IAM (SigV4) authorization by
 * default, or a JWT from the configured issuer, with access logs and stage throttling.
 *
 * Cluster registration and removal are admin routes of their own (`POST /v1/clusters`,
 * `DELETE /v1/clusters/{id}`), so they are authorised apart from the rest: with IAM, grant
 * {@link userPolicy} to users (every route but the admin ones) and {@link adminPolicy} to admins; with
 * JWT, the admin routes require the `meshplane/admin` scope. The API function serves cluster changes
 * only when they arrived through an admin route (lib/api/admin-access.ts), so no path variant sent to
 * `/v1/{proxy+}` gets around this.
 */
export class MeshplaneHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  /** IAM mode: may invoke every route of the API, the admin routes included. */
  readonly adminPolicy?: ManagedPolicy;
  /** IAM mode: may invoke every route of the API except the admin routes. */
  readonly userPolicy?: ManagedPolicy;

  constructor(scope: Construct, id: string, props: MeshplaneHttpApiProps) {
    super(scope, id);
    const authorizer: IHttpRouteAuthorizer = props.jwt
      ? new HttpJwtAuthorizer('JwtAuthorizer', props.jwt.issuer, { jwtAudience: props.jwt.audience })
      : new HttpIamAuthorizer();
    this.api = new HttpApi(this, 'Api', {
      apiName: `meshplane-${props.stage}${props.nameSuffix ? `-${props.nameSuffix}` : ''}`,
      description: props.adminRoutes === false ? 'meshplane control plane API v1, for the dashboard (no admin routes)' : 'meshplane control plane API v1',
      defaultAuthorizer: authorizer,
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: AccessLogFormat.custom(ACCESS_LOG_FORMAT) },
    });
    const integration = new HttpLambdaIntegration('ApiFunction', props.handler, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 });
    const scopes = props.jwt && props.routeScopes?.length ? { authorizationScopes: props.routeScopes } : {};
    this.api.addRoutes({ path: API_ROUTE_PATH, methods: [HttpMethod.ANY], integration, ...scopes });
    for (const route of props.adminRoutes === false ? [] : ADMIN_ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(props.jwt ? { authorizationScopes: [props.adminScope ?? ADMIN_SCOPE] } : {}),
      });
    }
    if (!props.jwt) {
      const invoke = (effect: Effect, arns: string[]) => new PolicyStatement({ effect, actions: ['execute-api:Invoke'], resources: arns });
      // A trailing-slash variant of the admin path (`POST /v1/clusters/`) would match the proxy route: deny it too.
      const adminArns = ADMIN_ROUTE_ARN_SUFFIXES.flatMap((r) => [
        this.api.arnForExecuteApi(r.method, r.path, '*'),
        this.api.arnForExecuteApi(r.method, `${r.path}/*`, '*'),
      ]);
      const everything = this.api.arnForExecuteApi('*', '/*', '*');
      this.adminPolicy = new ManagedPolicy(this, 'AdminPolicy', {
        description: `meshplane ${props.stage}: every route of the API, cluster registration included`,
        statements: [invoke(Effect.ALLOW, [everything])],
      });
      this.userPolicy = new ManagedPolicy(this, 'UserPolicy', {
        description: `meshplane ${props.stage}: every route of the API except the admin routes (cluster registration and removal)`,
        statements: [invoke(Effect.ALLOW, [everything]), invoke(Effect.DENY, adminArns)],
      });
      // The finding as cdk-nag names it: pseudo parameters for an environment-agnostic stack, literals otherwise.
      const stack = Stack.of(this);
      const apiId = stack.getLogicalId(this.api.node.defaultChild as CfnElement);
      const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
      const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
      for (const policy of [this.adminPolicy, this.userPolicy]) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:${region}:${account}:<${apiId}>/*/*/*]`,
          reason: 'execute-api ARNs of this one API: the wildcards stand for its stage, methods and paths (the admin routes are denied to users explicitly).',
        });
      }
      new CfnOutput(this, 'AdminPolicyArn', { value: this.adminPolicy.managedPolicyArn, description: 'Attach to admins: may register clusters' });
      new CfnOutput(this, 'UserPolicyArn', {
        value: this.userPolicy.managedPolicyArn,
        description: 'Attach to users: every route but cluster registration and removal',
      });
    }
  }

  /** The API's base URL (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }
}
