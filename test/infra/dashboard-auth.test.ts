/**
 * The dashboard in IAM mode (`dashboardAuth`): a browser cannot SigV4-sign, so the stack gives the
 * dashboard an HTTP API of its own on the same function, behind a JWT authorizer for the configured
 * issuer and audience and without the admin routes; CloudFront sends the page's `/v1/*` there. The IAM
 * API (CLI, admins) is unchanged. With `login`, the page signs users in with the issuer (its config.json
 * and the token endpoint in its Content-Security-Policy).
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_ROUTE_PATH } from '../../infra/constructs/http-api.js';
import { ADMIN_ROUTES } from '../../lib/api/admin-access.js';
import { templateOf } from './support/synth-meshplane.js';

type Resource = { Type: string; Properties: Record<string, any> };

const DASHBOARD_AUTH = {
  issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123',
  audience: '4e5f6g7h8i9j0k1l2m3n4o5p6q',
  scopes: ['meshplane/dashboard'],
  login: {
    clientId: '4e5f6g7h8i9j0k1l2m3n4o5p6q',
    authorizationEndpoint: 'https://meshplane-prod.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
    tokenEndpoint: 'https://meshplane-prod.auth.eu-west-1.amazoncognito.com/oauth2/token',
  },
};

const resourcesOf = (template: Template, type: string) => Object.entries(template.findResources(type) as Record<string, Resource>);

/** Logical ids a CloudFormation value refers to (Ref / Fn::GetAtt, anywhere inside). */
function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (typeof obj.Ref === 'string') return obj.Ref.startsWith('AWS::') ? [] : [obj.Ref];
    if (Array.isArray(obj['Fn::GetAtt'])) return [String(obj['Fn::GetAtt'][0])];
    return Object.values(obj).flatMap(referencedIds);
  }
  return [];
}

/** The files under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('MeshplaneStack with dashboardAuth (IAM API plus a JWT API for the dashboard)', () => {
  const { template, app } = templateOf({ dashboardAuth: JSON.stringify(DASHBOARD_AUTH) });
  const apis = resourcesOf(template, 'AWS::ApiGatewayV2::Api');
  const [dashboardApiId] = apis.find(([, r]) => String(r.Properties.Name).endsWith('-dashboard'))!;
  const [iamApiId] = apis.find(([id]) => id !== dashboardApiId)!;
  const routesOf = (apiId: string) => resourcesOf(template, 'AWS::ApiGatewayV2::Route').filter(([, r]) => referencedIds(r.Properties.ApiId).includes(apiId));

  it('keeps the IAM API as it is: every route SigV4, the admin routes on it', () => {
    expect(apis).toHaveLength(2);
    const routes = routesOf(iamApiId).map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([`ANY ${API_ROUTE_PATH}`, ...ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`)].sort());
    for (const r of routes) expect(r.AuthorizationType, r.RouteKey).toBe('AWS_IAM');
  });

  it('gives the dashboard an API with a JWT authorizer for the issuer and audience, the scope required, and no admin route', () => {
    const routes = routesOf(dashboardApiId).map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey)).toEqual([`ANY ${API_ROUTE_PATH}`]);
    expect(routes[0]).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: DASHBOARD_AUTH.scopes });
    const authorizers = resourcesOf(template, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0];
    expect(referencedIds(routes[0].AuthorizerId)).toEqual([authorizerId]);
    expect(referencedIds(authorizer.Properties.ApiId)).toEqual([dashboardApiId]);
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: DASHBOARD_AUTH.issuer, Audience: [DASHBOARD_AUTH.audience] },
    });
  });

  it('puts both APIs in front of the one API function, each with its access log and throttling', () => {
    const integrations = resourcesOf(template, 'AWS::ApiGatewayV2::Integration').map(([, r]) => r.Properties);
    expect(integrations).toHaveLength(2);
    expect(new Set(integrations.map((i) => JSON.stringify(i.IntegrationUri))).size).toBe(1);
    const stages = resourcesOf(template, 'AWS::ApiGatewayV2::Stage').map(([, r]) => r.Properties);
    expect(stages.map((s) => referencedIds(s.ApiId)[0]).sort()).toEqual([dashboardApiId, iamApiId].sort());
    for (const s of stages)
      expect(s).toMatchObject({ AccessLogSettings: { DestinationArn: expect.anything() }, DefaultRouteSettings: { ThrottlingRateLimit: 50 } });
  });

  it("sends the page's /v1/* to the dashboard's API, allows the token endpoint in its CSP, and ships its sign-in settings", () => {
    const [, distribution] = resourcesOf(template, 'AWS::CloudFront::Distribution')[0];
    const config = distribution.Properties.DistributionConfig;
    const behavior = config.CacheBehaviors.find((b: { PathPattern: string }) => b.PathPattern === '/v1/*');
    const origin = config.Origins.find((o: { Id: string }) => o.Id === behavior.TargetOriginId);
    expect(referencedIds(origin.DomainName)).toEqual([dashboardApiId]);
    const [, headers] = resourcesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy')[0];
    expect(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toContain(
      "connect-src 'self' https://meshplane-prod.auth.eu-west-1.amazoncognito.com;",
    );
    const [, deployment] = resourcesOf(template, 'Custom::CDKBucketDeployment')[0];
    expect(deployment.Properties.DistributionPaths).toContain('/config.json');
    // The config.json asset, as staged in the cloud assembly.
    const staged = filesUnder(app.outdir).filter((f) => f.endsWith('config.json'));
    expect(staged.map((f) => JSON.parse(readFileSync(f, 'utf8')))).toContainEqual({ login: { ...DASHBOARD_AUTH.login, scope: 'openid' } });
  });

  it("alarms on the dashboard API's 5xx apart from the IAM API's", () => {
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const onApi = (apiId: string) =>
      alarms.filter((a) => a.MetricName === '5xx' && referencedIds(a.Dimensions).includes(apiId)).map((a) => String(a.AlarmName));
    expect(onApi(dashboardApiId)).toEqual([expect.stringMatching(/-dashboard-api-5xx$/)]);
    expect(onApi(iamApiId)).toEqual([expect.stringMatching(/-api-5xx$/)]);
    expect(onApi(iamApiId)[0]).not.toMatch(/dashboard/);
  });
});

describe('MeshplaneStack without dashboardAuth', () => {
  it('has one API, which the dashboard calls, and an empty config.json (nothing to sign in with)', () => {
    const { template, app } = templateOf({});
    expect(resourcesOf(template, 'AWS::ApiGatewayV2::Api')).toHaveLength(1);
    const [, headers] = resourcesOf(template, 'AWS::CloudFront::ResponseHeadersPolicy')[0];
    expect(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy).toContain("connect-src 'self';");
    const staged = filesUnder(app.outdir).filter((f) => f.endsWith('config.json'));
    expect(staged.map((f) => JSON.parse(readFileSync(f, 'utf8')))).toContainEqual({});
  });
});
