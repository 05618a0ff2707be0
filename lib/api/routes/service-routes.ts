import * as z from 'zod';
import { ServiceSpec } from '../../model/service-spec.js';
import type { CoreDeps } from '../../usecases/deps.js';
import { getService, listEvents, listRevisions, listServices } from '../../usecases/queries/read-models.js';
import { requestDeregistration, requestRegistration, requestUpdate, type AcceptedServiceChange } from '../../usecases/services/request-service-change.js';
import { json, parseBody, parseQuery, readJson, validate } from '../http.js';
import { pageOf, PageQuery, serviceName } from '../params.js';
import type { Route } from '../router.js';
import { Accepted, AuditEventSchema, ErrorBody, pageOf as pageSchema, Service } from '../schemas.js';

export type ServiceRouteDeps = CoreDeps;

function accepted(change: AcceptedServiceChange) {
  return json(
    202,
    { operationId: change.operation.id, status: 'pending', service: change.service, links: { operation: `/v1/operations/${change.operation.id}` } },
    { location: `/v1/operations/${change.operation.id}` },
  );
}

const errors = {
  400: { description: 'The request is not valid; every problem is listed', schema: ErrorBody },
  404: { description: 'No such service', schema: ErrorBody },
};

export function serviceRoutes(deps: ServiceRouteDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/v1/services',
      tag: 'services',
      summary: 'Register a service',
      body: ServiceSpec,
      responses: {
        202: { description: 'Accepted; follow the operation', schema: Accepted },
        400: errors[400],
        409: { description: 'The name is taken', schema: ErrorBody },
        413: { description: 'Body too large', schema: ErrorBody },
      },
      handle: async ({ request }) => accepted(await requestRegistration(deps, parseBody(request, ServiceSpec), request.requestId)),
    },
    {
      method: 'GET',
      path: '/v1/services',
      tag: 'services',
      summary: 'List registered services',
      query: PageQuery,
      responses: { 200: { description: 'A page of services', schema: pageSchema(Service) } },
      handle: async ({ request }) => json(200, await listServices(deps.store, pageOf(parseQuery(request, PageQuery)))),
    },
    {
      method: 'GET',
      path: '/v1/services/{name}',
      tag: 'services',
      summary:
        'Read a service: spec with defaults, version, phase, revision, and the replica status the reconcile last observed ' +
        '(status.observedAt, status.ageSeconds; {error: "not observed yet"} before the first observation)',
      responses: { 200: { description: 'The service', schema: Service }, ...errors },
      handle: async ({ params }) => json(200, await getService(deps, serviceName(params))),
    },
    {
      method: 'PUT',
      path: '/v1/services/{name}',
      tag: 'services',
      summary: 'Replace the spec of a service (a new revision when it changes)',
      body: ServiceSpec,
      responses: { 202: { description: 'Accepted', schema: Accepted }, ...errors },
      handle: async ({ request, params }) => {
        const name = serviceName(params);
        const body = readJson(request) as Record<string, unknown>;
        // The name may be left out of the body: the path names the service.
        const withName = body && typeof body === 'object' && !Array.isArray(body) && body.name === undefined ? { ...body, name } : body;
        const spec = validate(ServiceSpec, withName);
        return accepted(await requestUpdate(deps, name, spec, request.requestId));
      },
    },
    {
      method: 'DELETE',
      path: '/v1/services/{name}',
      tag: 'services',
      summary: 'Deregister a service and delete everything meshplane created for it',
      responses: { 202: { description: 'Accepted', schema: Accepted }, ...errors },
      handle: async ({ request, params }) => accepted(await requestDeregistration(deps, serviceName(params), request.requestId)),
    },
    {
      method: 'GET',
      path: '/v1/services/{name}/events',
      tag: 'services',
      summary: 'The audit trail of a service, newest first',
      query: PageQuery,
      responses: { 200: { description: 'A page of events', schema: pageSchema(AuditEventSchema) }, ...errors },
      handle: async ({ request, params }) => json(200, await listEvents(deps.store, serviceName(params), pageOf(parseQuery(request, PageQuery)))),
    },
    {
      method: 'GET',
      path: '/v1/services/{name}/revisions',
      tag: 'services',
      summary: 'Every revision of a service, newest first',
      query: PageQuery,
      responses: { 200: { description: 'A page of revisions', schema: pageSchema(z.record(z.string(), z.unknown())) }, ...errors },
      handle: async ({ request, params }) => json(200, await listRevisions(deps.store, serviceName(params), pageOf(parseQuery(request, PageQuery)))),
    },
  ];
}
