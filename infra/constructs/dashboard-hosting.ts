import { CfnOutput, Duration, Fn, RemovalPolicy, Stack, Token, Validations, type CfnElement } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { DASHBOARD_HEADERS } from '../../lib/local/dashboard-bundle.js';
import { DASHBOARD_BUNDLING } from '../dashboard-assets.js';

/** How the dashboard signs users in with an OpenID Connect provider (authorization code with PKCE; a public client, no secret). */
export interface DashboardLogin {
  clientId: string;
  authorizationEndpoint: string;
  /** The page exchanges the code here from the browser: its origin is added to the page's `connect-src`. */
  tokenEndpoint: string;
  scope: string;
}

/** The dashboard's `config.json`: what the page reads at start (absent locally, where nothing signs in). */
export const DASHBOARD_CONFIG_FILE = 'config.json';

/** The Content-Security-Policy of the page, with the token endpoint's origin allowed when the page signs users in. */
export function dashboardContentSecurityPolicy(login?: Pick<DashboardLogin, 'tokenEndpoint'>): string {
  const csp = DASHBOARD_HEADERS['content-security-policy'];
  if (!login) return csp;
  return csp.replace("connect-src 'self'", `connect-src 'self' ${new URL(login.tokenEndpoint).origin}`);
}

export interface DashboardHostingProps {
  stage: string;
  /** The API the dashboard calls: CloudFront sends `/v1/*` to it, so the page and the API share one origin (no CORS). */
  api: IHttpApi;
  /** The project root (the dashboard's sources are bundled from it). */
  projectRoot: string;
  /**
   * Days CloudFront and S3 access logs are kept.
   * @default 90
   */
  accessLogDays?: number;
  /**
   * Sign users in with an OpenID Connect provider; the token goes to `api` as `Authorization: Bearer`.
   * @default none: users paste a token (JWT mode) or use the CLI (IAM mode)
   */
  login?: DashboardLogin;
}

/**
 * The dashboard on AWS: its three static files in a private S3 bucket, served by CloudFront through an
 * origin access control (the bucket admits only this distribution), with `/v1/*` routed to the HTTP API
 * uncached, so the page calls the API on its own origin. No server of its own, nothing that runs while
 * nobody looks. The API keeps its own authorization: the page sends a JWT as `Authorization: Bearer`, one
 * the user signed in for (`login`) or pasted. In IAM mode the stack gives the dashboard an API of its own
 * with a JWT authorizer (`dashboardAuth`), since a browser cannot SigV4-sign.
 *
 * Live updates poll (API Gateway's HTTP API cannot stream server-sent events).
 */
export class DashboardHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: DashboardHostingProps) {
    super(scope, id);
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront's standard logs are delivered with an ACL grant.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogDays ?? 90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket of the dashboard bucket and distribution; logging it into itself would loop.',
    });
    this.bucket = new Bucket(this, 'Assets', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 's3/',
      // The deployment below empties it on stack deletion (its files are rebuilt from source anyway).
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const securityHeaders = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `meshplane ${props.stage} dashboard: security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: dashboardContentSecurityPolicy(props.login), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    // https://<id>.execute-api.<region>.amazonaws.com → the host name.
    const apiHost = Fn.select(2, Fn.split('/', props.api.apiEndpoint));
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `meshplane ${props.stage} dashboard`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: securityHeaders,
      },
      additionalBehaviors: {
        '/v1/*': {
          origin: new HttpOrigin(apiHost, { protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY }),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_ALL,
          // Never cached; every viewer header but Host goes to the API (Authorization included, for a JWT).
          cachePolicy: CachePolicy.CACHING_DISABLED,
          originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    const acknowledge = (rule: string, reason: string) => Validations.of(this.distribution).acknowledge({ id: rule, reason });
    acknowledge(
      'AwsSolutions-CFR1',
      'The dashboard serves the operators of this control plane wherever they are; every API call it makes is authorised by the API itself.',
    );
    acknowledge(
      'AwsSolutions-CFR2',
      'Static files and an API that authorises every request (IAM or JWT) and is throttled at the stage; attach a WAF web ACL where policy requires one.',
    );
    acknowledge(
      'AwsSolutions-CFR4',
      "Served on the distribution's *.cloudfront.net name, whose default certificate CloudFront pins to TLSv1; TLS 1.2 (TLSv1.2_2021) applies with a custom domain.",
    );
    new BucketDeployment(this, 'Files', {
      // Fingerprinted by the dashboard's sources; built by the local bundling step.
      sources: [
        Source.asset(join(props.projectRoot, 'dashboard'), { bundling: DASHBOARD_BUNDLING }),
        // What the page reads at start: how to sign in (nothing to sign in with when absent).
        Source.jsonData(DASHBOARD_CONFIG_FILE, props.login ? { login: props.login } : {}),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/assets/*', `/${DASHBOARD_CONFIG_FILE}`],
      retainOnDelete: false,
      memoryLimit: 256,
    });
    this.acknowledgeDeploymentFindings();
    new CfnOutput(Stack.of(this), 'DashboardUrl', {
      value: `https://${this.distribution.distributionDomainName}/`,
      description: 'The meshplane dashboard (calls the API through the same origin: /v1/*)',
    });
  }

  /**
   * BucketDeployment's upload function is CDK's own singleton (one per stack and memory size): its role,
   * policy and runtime are CDK's. Acknowledged there, finding by finding.
   */
  private acknowledgeDeploymentFindings(): void {
    const stack = Stack.of(this);
    const singleton = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!singleton) throw new Error('the BucketDeployment upload function was not found: CDK changed how it names it');
    const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    const bucketArn = `<${stack.getLogicalId(this.bucket.node.defaultChild as CfnElement)}.Arn>`;
    const reason =
      "CDK's BucketDeployment upload function (a CDK-managed singleton): it copies the dashboard's files from the CDK asset bucket " +
      'into the dashboard bucket and invalidates the distribution; its grants are the ones CDK generates for exactly that.';
    const ids = [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-${account}-${region}/*]`,
      `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
      // cloudfront:CreateInvalidation and GetInvalidation have no resource-level form in CDK's grant.
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
    ];
    for (const id of ids) Validations.of(singleton).acknowledge({ id, reason });
  }
}
