import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError, isRetryable } from '../../../../lib/errors.js';
import {
  KubeApiRejectedError,
  KubeApiUnavailableError,
  classifyKubeFailure,
  isRetryableFailure,
  toMeshplaneError,
} from '../../../../lib/adapters/kubernetes/api-failure.js';

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

function networkError(code: string): TypeError {
  return new TypeError('fetch failed', { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code }) });
}

describe('classifyKubeFailure', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads reason and message from a Status body', () => {
    const invalid = 'Deployment.apps "cart" is invalid: spec.template.metadata.labels: Invalid value';
    const failure = classifyKubeFailure(new ApiException(422, 'Unsuccessful HTTP Request', statusBody(422, 'Invalid', invalid), {}), now);
    expect(failure).toEqual({ kind: 'http', status: 422, reason: 'Invalid', message: invalid });
  });

  it('keeps Retry-After of a 429 in milliseconds', () => {
    const error = new ApiException(429, 'x', statusBody(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '2' });
    expect(classifyKubeFailure(error, now)).toMatchObject({ kind: 'http', status: 429, retryAfterMs: 2000 });
  });

  it('summarizes a non-Status body and falls back to the status code when there is none', () => {
    expect(classifyKubeFailure(new ApiException(502, 'x', '<html>\n bad gateway </html>', {}), now)).toMatchObject({
      message: '<html> bad gateway </html>',
    });
    expect(classifyKubeFailure(new ApiException(401, 'Unauthorized', undefined, {}), now)).toMatchObject({
      status: 401,
      message: 'HTTP 401',
    });
  });

  it.each([
    ['connection refused', networkError('ECONNREFUSED'), 'network'],
    ['connection reset', networkError('ECONNRESET'), 'network'],
    ['undici socket error', networkError('UND_ERR_SOCKET'), 'network'],
    ['bare fetch failed', new TypeError('fetch failed'), 'network'],
    ['per-request timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'timeout'],
    ['abort', new DOMException('This operation was aborted', 'AbortError'), 'timeout'],
    // What client-node's discovery throws when it tries to prefix a DOMException's read-only message.
    ['discovery timeout whose annotation failed', new TypeError('Cannot set property message of [object DOMException] which has only a getter'), 'timeout'],
    ['timeout as a cause', new Error('request failed', { cause: new DOMException('The operation was aborted due to timeout', 'TimeoutError') }), 'timeout'],
    ['unrelated TypeError', new TypeError('Cannot read properties of undefined'), 'other'],
    [
      'discovery-wrapped network error',
      Object.assign(networkError('ECONNRESET'), { message: 'Failed to fetch resource metadata for apps/v1/Deployment: fetch failed' }),
      'network',
    ],
    ['unknown kind', new Error('Unrecognized API version and kind: networking.istio.io/v1 Sidecar'), 'other'],
  ])('%s → %s', (_name, error, kind) => {
    expect(classifyKubeFailure(error, now).kind).toBe(kind);
  });

  it('says why a request ended without changing the error it was given', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyKubeFailure(timeout, now).message).toBe('the request timed out or was aborted (no answer within the request timeout)');
    expect(timeout.message).toBe('The operation was aborted due to timeout');
    expect(classifyKubeFailure(new DOMException('This operation was aborted', 'AbortError'), now).message).toMatch(/the caller cancelled it/);
  });
});

describe('isRetryableFailure', () => {
  it.each([
    [{ kind: 'http', status: 429, message: '' }, true],
    [{ kind: 'http', status: 503, message: '' }, true],
    [{ kind: 'http', status: 422, message: '' }, false],
    [{ kind: 'http', status: 404, message: '' }, false],
    [{ kind: 'timeout', message: '' }, true],
    [{ kind: 'network', message: '' }, true],
    [{ kind: 'other', message: '' }, false],
  ] as const)('%j → %s', (failure, expected) => {
    expect(isRetryableFailure(failure)).toBe(expected);
  });
});

describe('toMeshplaneError', () => {
  it('makes a 4xx a TerminalError that carries the API server message verbatim', () => {
    const err = toMeshplaneError(
      'apply Deployment shop/cart',
      { kind: 'http', status: 403, reason: 'Forbidden', message: 'deployments.apps "cart" is forbidden: User "x" cannot patch' },
      1,
      undefined,
    );
    expect(err).toBeInstanceOf(KubeApiRejectedError);
    expect(err).toBeInstanceOf(TerminalError);
    expect(isRetryable(err)).toBe(false);
    expect(err.message).toBe('Kubernetes API rejected apply Deployment shop/cart (403 Forbidden): deployments.apps "cart" is forbidden: User "x" cannot patch');
    expect((err as KubeApiRejectedError).isNotFound).toBe(false);
  });

  it('makes an exhausted 5xx a TransientError naming the attempts', () => {
    const err = toMeshplaneError('list Pod shop', { kind: 'http', status: 503, message: 'etcd leader changed' }, 4, undefined);
    expect(err).toBeInstanceOf(KubeApiUnavailableError);
    expect(err).toBeInstanceOf(TransientError);
    expect(isRetryable(err)).toBe(true);
    expect(err.message).toBe('Kubernetes API unavailable for list Pod shop after 4 attempts: etcd leader changed (503)');
  });
});
