/**
 * The client-node API objects one cluster client uses, sharing one configuration that adds what
 * `KubeConfig.makeApiClient` does not: a per-request timeout and, for EKS, a refreshing bearer token.
 */
import {
  AppsV1Api,
  CoreV1Api,
  type KubeConfig,
  KubernetesObjectApi,
  type RequestContext,
  type ResponseContext,
  type SecurityAuthentication,
  ServerConfiguration,
  createConfiguration,
} from '@kubernetes/client-node';
import { TerminalError } from '../../errors.js';

/** Typed and dynamic API clients for one cluster. */
export interface KubeApis {
  /** Any kind, resolved through API discovery (used for apply, prune, delete). */
  objects: KubernetesObjectApi;
  apps: AppsV1Api;
  core: CoreV1Api;
}

/** How to build {@link KubeApis}. */
export interface KubeApisOptions {
  /** Cluster, TLS and (unless `bearerToken` is set) user credentials; its current context is used. */
  kubeConfig: KubeConfig;
  /** Abort each HTTP request after this long. */
  requestTimeoutMs: number;
  /** Supplies the bearer token per request, overriding the kubeconfig user's (EKS tokens expire). */
  bearerToken?: () => Promise<string>;
  /** Called when the API server answers 401, so a cached token is not sent again. */
  onUnauthorized?: () => void;
  userAgent?: string;
}

/** Builds the API clients for the kubeconfig's current context. */
export function createKubeApis(options: KubeApisOptions): KubeApis {
  const cluster = options.kubeConfig.getCurrentCluster();
  if (!cluster) throw new TerminalError('the kubeconfig has no current cluster');
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(cluster.server.replace(/\/+$/, ''), {}),
    authMethods: { default: authentication(options.kubeConfig, options.bearerToken) },
    promiseMiddleware: [requestMiddleware(options.requestTimeoutMs, options.userAgent ?? 'meshplane', options.onUnauthorized)],
  });
  return {
    objects: new KubernetesObjectApi(configuration),
    apps: new AppsV1Api(configuration),
    core: new CoreV1Api(configuration),
  };
}

/**
 * Kubeconfig authentication (TLS, client certificates, exec plugins, static tokens), with two changes:
 * the connection pool is shared across requests (client-node builds a new undici Agent, and so a new
 * TLS connection, per request), and an optional bearer-token source overrides the user's token.
 */
function authentication(kubeConfig: KubeConfig, bearerToken: (() => Promise<string>) | undefined): SecurityAuthentication {
  let sharedDispatcher: ReturnType<RequestContext['getDispatcher']>;
  return {
    getName: () => 'kubeconfig authentication with a shared connection pool',
    async applySecurityAuthentication(context: RequestContext): Promise<void> {
      await kubeConfig.applySecurityAuthentication(context);
      sharedDispatcher ??= context.getDispatcher();
      if (sharedDispatcher) context.setDispatcher(sharedDispatcher);
      if (bearerToken) context.setHeaderParam('Authorization', `Bearer ${await bearerToken()}`);
    },
  };
}

function requestMiddleware(timeoutMs: number, userAgent: string, onUnauthorized: (() => void) | undefined) {
  return {
    async pre(context: RequestContext): Promise<RequestContext> {
      context.setSignal(AbortSignal.timeout(timeoutMs));
      context.setHeaderParam('User-Agent', userAgent);
      return context;
    },
    async post(context: ResponseContext): Promise<ResponseContext> {
      if (context.httpStatusCode === 401) onUnauthorized?.();
      return context;
    },
  };
}
