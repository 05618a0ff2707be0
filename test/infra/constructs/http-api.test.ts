/**
 * Cluster registration and removal are admin routes, authorised apart from the rest of the API: with
 * IAM, a user policy that denies them and an admin policy that allows them; with JWT, the admin scope.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function, Runtime } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { API_ROUTE_PATH, MeshplaneHttpApi } from '../../../infra/constructs/http-api.js';
import { ADMIN_ROUTES, ADMIN_SCOPE } from '../../../lib/api/admin-access.js';

function synth(jwt?: { issuer: string; audience: string[] }) {
  const stack = new Stack(new App(), 'T', { env: { account: '123456789012', region: 'eu-west-1' } });
  const handler = new Function(stack, 'Fn', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler=async()=>({})') });
  new MeshplaneHttpApi(stack, 'HttpApi', { stage: 'test', handler, jwt, logRetention: RetentionDays.ONE_WEEK });
  return Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: any }>;
}

const routesOf = (resources: ReturnType<typeof synth>) =>
  Object.values(resources)
    .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
    .map((r) => r.Properties);
/** An ARN built with Fn::Join, as text with `<ref>` for each reference. */
const arnText = (arn: any): string => (typeof arn === 'string' ? arn : arn['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : '<ref>')).join(''));
const ADMIN_KEYS = ADMIN_ROUTES.map((r) => `${r.method} ${r.path}`);

describe('MeshplaneHttpApi admin routes', () => {
  it('IAM: the admin routes exist on their own, to the same function, with IAM authorization', () => {
    const routes = routesOf(synth());
    expect(routes.map((r) => r.RouteKey).sort()).toEqual([...ADMIN_KEYS, `ANY ${API_ROUTE_PATH}`].sort());
    for (const r of routes) expect(r.AuthorizationType, r.RouteKey).toBe('AWS_IAM');
    expect(new Set(routes.map((r) => JSON.stringify(r.Target))).size).toBe(1);
  });

  it('IAM: the user policy denies invoking the admin routes (and their trailing-slash variants); the admin policy allows everything', () => {
    const resources = synth();
    const policies = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::IAM::ManagedPolicy');
    const statementsOf = (idPart: string) => policies.find(([id]) => id.includes(idPart))![1].Properties.PolicyDocument.Statement as any[];
    const user = statementsOf('UserPolicy');
    const denied = user
      .filter((s) => s.Effect === 'Deny')
      .flatMap((s) => [s.Resource].flat())
      .map(arnText);
    expect(user.find((s) => s.Effect === 'Deny').Action).toBe('execute-api:Invoke');
    for (const suffix of [':<ref>/*/POST/v1/clusters', ':<ref>/*/POST/v1/clusters/*', ':<ref>/*/DELETE/v1/clusters/*'])
      expect(
        denied.some((r) => r.endsWith(suffix)),
        suffix,
      ).toBe(true);
    const admin = statementsOf('AdminPolicy');
    expect(admin).toHaveLength(1);
    expect(admin[0].Effect).toBe('Allow');
    expect(arnText(admin[0].Resource)).toMatch(/:<ref>\/\*\/\*\/\*$/);
  });

  it('JWT: the admin routes require the admin scope, the other routes none', () => {
    const routes = routesOf(synth({ issuer: 'https://issuer.example', audience: ['meshplane'] }));
    for (const r of routes) {
      expect(r.AuthorizationType, r.RouteKey).toBe('JWT');
      if (ADMIN_KEYS.includes(r.RouteKey)) expect(r.AuthorizationScopes, r.RouteKey).toEqual([ADMIN_SCOPE]);
      else expect(r.AuthorizationScopes, r.RouteKey).toBeUndefined();
    }
    expect(routes).toHaveLength(3);
  });
});
