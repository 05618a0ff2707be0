/**
 * The meshplane HTTP API as the end-to-end tests drive it: plain requests that return status and body
 * (so tests can assert 4xx answers), plus the waits every scenario needs (an operation settling, a
 * deployment reaching a status, a service's replicas becoming Ready).
 */
import type { AuditEvent, DeploymentRecord, DeploymentStatus, OperationRecord, RevisionRecord } from '../../../lib/model/records.js';
import type { ServiceSpecInput } from '../../../lib/model/service-spec.js';
import type { App } from '../../../lib/composition/create-app.js';
import type { ServiceStatus, ServiceView } from '../../../lib/usecases/queries/read-models.js';
import { waitFor } from '../../support/wait-for.js';

/** An HTTP answer of the API: the status and the parsed JSON body (undefined when empty). */
export interface ApiAnswer<T = any> {
  status: number;
  body: T;
}

/** A service as `GET /v1/services/{name}` returns it, with the status the reconcile last observed. */
export type ServiceWithStatus = ServiceView & { status?: ServiceStatus | { error: string } };

/** Deployment statuses after which nothing changes any more. */
export const FINAL_DEPLOYMENT_STATUSES: ReadonlySet<DeploymentStatus> = new Set(['promoted', 'rolledBack', 'aborted', 'failed', 'superseded']);

/** What `POST /v1/services/{name}/deployments` and `POST …/rollback` answer with 202. */
export interface AcceptedDeployment {
  operationId: string;
  deploymentId: string;
  toRevision?: number;
}

/** Thrown when the API answers something a helper did not expect; carries the answer for the failure message. */
export class UnexpectedAnswerError extends Error {
  constructor(
    what: string,
    readonly answer: ApiAnswer,
  ) {
    super(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    this.name = 'UnexpectedAnswerError';
  }
}

/**
 * Default time a helper waits for the control plane before failing the test: generous, because the
 * machine may be shared and concurrent scenarios slow each other down (a quick rollout takes 3–30 s).
 */
const DEFAULT_TIMEOUT_MS = 45_000;

export class MeshplaneApi {
  /**
   * @param runtime the local runtime behind the API, when the test has it: the waits for pods then read
   *   the cluster itself (its status reader, real client-node over HTTP), not the API's stored
   *   observation, which is up to one probe period old.
   */
  constructor(
    readonly baseUrl: string,
    private readonly runtime?: { app: App },
  ) {}

  /** The service's status as the cluster shows it now (through the runtime), or as the API last observed it. */
  async currentStatus(name: string): Promise<ServiceStatus | { error: string } | undefined> {
    if (!this.runtime) return (await this.service(name)).status;
    const record = await this.runtime.app.store.getService(name);
    return record && record.phase !== 'deleted' ? this.runtime.app.statusReader.read(record) : undefined;
  }

  /** One request; `body` is sent as JSON. Never throws on 4xx/5xx: the caller asserts the status. */
  async request<T = any>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** A request that must answer `expected`; returns the body. */
  async expect<T = any>(expected: number, method: string, path: string, body?: unknown): Promise<T> {
    let answer = await this.request<T>(method, path, body);
    // Busy (429/503 with Retry-After) is an answer a client waits out, as the CLI does; unless it is the one expected.
    for (let attempt = 1; (answer.status === 429 || answer.status === 503) && answer.status !== expected && attempt < 30; attempt++) {
      await new Promise((r) => setTimeout(r, 1000));
      answer = await this.request<T>(method, path, body);
    }
    if (answer.status !== expected) throw new UnexpectedAnswerError(`${method} ${path} (expected ${expected})`, answer);
    return answer.body;
  }

  /** Polls an operation until it is no longer pending. */
  waitForOperation(id: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OperationRecord> {
    return waitFor(
      `operation ${id} to settle`,
      async () => {
        const op = await this.expect<OperationRecord>(200, 'GET', `/v1/operations/${id}`);
        return op.status === 'pending' ? undefined : op;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Waits for an accepted change to succeed; fails with the operation's reason otherwise. */
  async succeeded(accepted: { operationId: string }, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OperationRecord> {
    const op = await this.waitForOperation(accepted.operationId, timeoutMs);
    if (op.status !== 'succeeded') throw new Error(`operation ${op.id} (${op.kind} ${op.service}) ${op.status}: ${op.reason ?? 'no reason'}`);
    return op;
  }

  /** Registers a service and waits until the registration has been applied to the cluster. */
  async register(spec: ServiceSpecInput, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OperationRecord> {
    return this.succeeded(await this.expect(202, 'POST', '/v1/services', spec), timeoutMs);
  }

  /** Replaces a service's spec and waits until it has been applied. */
  async update(name: string, spec: ServiceSpecInput, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OperationRecord> {
    return this.succeeded(await this.expect(202, 'PUT', `/v1/services/${name}`, spec), timeoutMs);
  }

  /** Deregisters a service and waits until its objects have been deleted from the cluster. */
  async deregister(name: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<OperationRecord> {
    return this.succeeded(await this.expect(202, 'DELETE', `/v1/services/${name}`), timeoutMs);
  }

  service(name: string): Promise<ServiceWithStatus> {
    return this.expect<ServiceWithStatus>(200, 'GET', `/v1/services/${name}`);
  }

  /** Waits until the service has `replicas` Ready stable pods (and no more pods than that): see {@link currentStatus}. */
  waitForReadyReplicas(name: string, replicas: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<ServiceStatus> {
    return waitFor(
      `${name} to run ${replicas} Ready replicas`,
      async () => {
        const status = await this.currentStatus(name);
        if (!status || 'error' in status) return undefined;
        const ready = status.pods.filter((p) => p.ready).length;
        return status.readyReplicas === replicas && ready === replicas && status.pods.length === replicas ? status : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Starts a deployment of `image` (optionally with its own rollout policy). */
  deploy(name: string, body: { image: string; rollout?: unknown }): Promise<AcceptedDeployment> {
    return this.expect<AcceptedDeployment>(202, 'POST', `/v1/services/${name}/deployments`, body);
  }

  deployment(name: string, id: string): Promise<DeploymentRecord> {
    return this.expect<DeploymentRecord>(200, 'GET', `/v1/services/${name}/deployments/${id}`);
  }

  /** Every deployment of a service, newest first (at most 100). */
  async deployments(name: string): Promise<DeploymentRecord[]> {
    return (await this.expect<{ items: DeploymentRecord[] }>(200, 'GET', `/v1/services/${name}/deployments?limit=100`)).items;
  }

  /** Polls a deployment until `accept` holds (it exists only once the deploy queue has recorded it). */
  waitForDeployment(
    name: string,
    id: string,
    description: string,
    accept: (d: DeploymentRecord) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<DeploymentRecord> {
    return waitFor(
      `deployment ${id} of ${name}: ${description}`,
      async () => {
        const answer = await this.request<DeploymentRecord>('GET', `/v1/services/${name}/deployments/${id}`);
        if (answer.status === 404) return undefined;
        if (answer.status !== 200) throw new UnexpectedAnswerError(`GET deployment ${id}`, answer);
        return accept(answer.body) ? answer.body : undefined;
      },
      { timeoutMs, intervalMs: 50 },
    );
  }

  /** Waits for a deployment to end (promoted, rolled back, aborted, …). */
  waitForDeploymentEnd(name: string, id: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DeploymentRecord> {
    return this.waitForDeployment(name, id, 'to end', (d) => FINAL_DEPLOYMENT_STATUSES.has(d.status), timeoutMs);
  }

  /** The audit trail of a service, oldest first (at most the newest 100 events). */
  async events(name: string): Promise<AuditEvent[]> {
    const page = await this.expect<{ items: AuditEvent[] }>(200, 'GET', `/v1/services/${name}/events?limit=100`);
    return [...page.items].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
  }

  /** Every revision of a service, oldest first. */
  async revisions(name: string): Promise<RevisionRecord[]> {
    const page = await this.expect<{ items: RevisionRecord[] }>(200, 'GET', `/v1/services/${name}/revisions?limit=100`);
    return [...page.items].sort((a, b) => a.revision - b.revision);
  }
}
