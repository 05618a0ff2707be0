/**
 * The dashboard's hosting: a private bucket that only the distribution may read (origin access
 * control), CloudFront serving it over HTTPS with security headers and sending `/v1/*` uncached to the
 * HTTP API, access logs, and the files built by the same esbuild build the local runtime serves.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DashboardHosting } from '../../../infra/constructs/dashboard-hosting.js';
import { dashboardLocalBundling } from '../../../infra/dashboard-assets.js';
import { PROJECT_ROOT } from '../support/synth-meshplane.js';

/** CloudFront's managed policies, by id. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

function synth(): Template {
  // Asset bundling skipped, as in the stack tests: the build is tested on its own below.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'T', { env: { account: '123456789012', region: 'eu-west-1' } });
  const api = new HttpApi(stack, 'Api');
  new DashboardHosting(stack, 'Dashboard', { stage: 'test', api, projectRoot: PROJECT_ROOT });
  return Template.fromStack(stack);
}

describe('DashboardHosting', () => {
  const template = synth();

  it('keeps the files in a private, encrypted bucket that only this distribution may read', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LoggingConfiguration: { LogFilePrefix: 's3/' },
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('serves the page over HTTPS with security headers, and logs access', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https', ResponseHeadersPolicyId: Match.anyValue() }),
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: {
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: { ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'"), Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({ Override: true }),
        }),
      },
    });
  });

  it('sends /v1/* to the HTTP API on the same origin: every method, never cached, the Authorization header passed on', () => {
    const distribution = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as {
      Properties: { DistributionConfig: { CacheBehaviors: Record<string, unknown>[]; Origins: { Id: string; DomainName: unknown }[] } };
    };
    const config = distribution.Properties.DistributionConfig;
    expect(config.CacheBehaviors).toHaveLength(1);
    const api = config.CacheBehaviors[0] as { PathPattern: string; TargetOriginId: string; AllowedMethods: string[] };
    expect(api).toMatchObject({
      PathPattern: '/v1/*',
      ViewerProtocolPolicy: 'https-only',
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
    });
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PUT', 'DELETE']));
    const origin = config.Origins.find((o) => o.Id === api.TargetOriginId)!;
    // The API's endpoint host: Fn::Select 2 of the endpoint split on "/".
    expect(JSON.stringify(origin.DomainName)).toContain('ApiEndpoint');
  });

  it('uploads the files and invalidates the cache; outputs the URL', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', { DistributionPaths: ['/index.html', '/assets/*', '/config.json'], Prune: true });
    template.hasOutput('DashboardUrl', { Value: { 'Fn::Join': ['', Match.arrayWith(['https://'])] } });
  });
});

describe('dashboard asset bundling', () => {
  it('writes the page, one script and one stylesheet; the script is under 500 KB gzipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshplane-dashboard-'));
    expect(dashboardLocalBundling.tryBundle(dir, { image: undefined as never })).toBe(true);
    for (const file of ['index.html', 'assets/app.js', 'assets/app.css']) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain('<script type="module" src="assets/app.js">');
    expect(gzipSync(readFileSync(join(dir, 'assets/app.js'))).length).toBeLessThan(500 * 1024);
    expect(statSync(join(dir, 'assets/app.css')).size).toBeGreaterThan(0);
  });
});
