import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createApi } from '../lib/api/create-api.js';
import type { Router } from '../lib/api/router.js';
import type { App } from '../lib/composition/create-app.js';
import { fromEnvironment } from './middleware/from-environment.js';
import { fromApiGatewayEvent, toApiGatewayResult } from './middleware/api-gateway.js';

/** HTTP API v1 behind API Gateway (payload v2). Routing, validation and error mapping live in lib/api. */
export function createApiHandler(app: App) {
  const router: Router = createApi(app);
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>().handler(async (event) =>
    toApiGatewayResult(await router.handle(fromApiGatewayEvent(event))),
  );
}

export const handler = fromEnvironment(createApiHandler);
