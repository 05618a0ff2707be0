import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpStage, LogGroupLogDestination, PayloadFormatVersion, type IHttpRouteAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer, HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

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
}

/**
 * The public entry point: an API Gateway HTTP API whose routes require IAM (SigV4) authorization by
 * default, or a JWT from the configured issuer, with access logs and stage throttling.
 */
export class MeshplaneHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: MeshplaneHttpApiProps) {
    super(scope, id);
    const authorizer: IHttpRouteAuthorizer = props.jwt
      ? new HttpJwtAuthorizer('JwtAuthorizer', props.jwt.issuer, { jwtAudience: props.jwt.audience })
      : new HttpIamAuthorizer();
    this.api = new HttpApi(this, 'Api', {
      apiName: `meshplane-${props.stage}`,
      description: 'meshplane control plane API v1',
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
    this.api.addRoutes({
      path: API_ROUTE_PATH,
      methods: [HttpMethod.ANY],
      integration: new HttpLambdaIntegration('ApiFunction', props.handler, { payloadFormatVersion: PayloadFormatVersion.VERSION_2_0 }),
    });
  }

  /** The API's base URL (the `$default` stage). */
  get url(): string {
    return this.stage.url;
  }
}
