import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi, type ApiDeps } from '../lib/api/create-api.js';
import type { Router } from '../lib/api/router.js';
import type { CoreApp } from '../lib/composition/create-core.js';
import type { RuntimeConfig } from '../lib/composition/runtime-config.js';
import { composedFromEnvironment } from './middleware/composed-from-environment.js';
import { fromApiGatewayEvent, toApiGatewayResult } from './middleware/api-gateway.js';

/**
 * HTTP API v1 behind API Gateway (payload v2). Routing, validation and error mapping live in lib/api.
 * It needs the store and the queues only: it never calls a cluster (service status is the reconcile's
 * stored observation; optimizer runs are queued), so it composes `createCore` and nothing else.
 */
export function createApiHandler(deps: ApiDeps) {
  const router: Router = createApi(deps);
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) =>
    toApiGatewayResult(await router.handle(fromApiGatewayEvent(event))),
  );
}

/**
 * The store and the queues, imported on the first request: the SDK clients are then a chunk of the bundle
 * that a cold start neither reads nor evaluates (`bench/coldstart.bench.ts`).
 */
async function composeCore(config: RuntimeConfig): Promise<CoreApp> {
  return (await import('../lib/composition/create-core.js')).createCore(config);
}

export const handler = composedFromEnvironment(composeCore, createApiHandler);
