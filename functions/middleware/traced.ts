import middy from '@middy/core';
import type { Context } from 'aws-lambda';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Powertools Tracer, loaded on Lambda only (where AWS_LAMBDA_FUNCTION_NAME is set), while the module
 * initialises as before. Elsewhere — the local runtime, which imports every function module for its
 * handler factories, and tests — it is never imported: the X-Ray SDK under it installs an async hook
 * (cls-hooked) that tracks the destruction of every promise in the process, which made the local
 * runtime's shared event loop several times slower (300,000 awaited promises: 74 ms before the import,
 * 1.2 s after; 5 % of a soak run's CPU in the hook alone, more in GC).
 */
const powertools = process.env.AWS_LAMBDA_FUNCTION_NAME
  ? await Promise.all([import('@aws-lambda-powertools/tracer'), import('@aws-lambda-powertools/tracer/middleware')])
  : undefined;

/**
 * X-Ray tracing of a function with Powertools Tracer: a subsegment for the handler (its response or
 * error as metadata, cold start as an annotation) and, through the Tracer's HTTP instrumentation, one
 * for every outgoing request: the AWS SDK clients' (DynamoDB, SQS, Step Functions, EventBridge) and the
 * Kubernetes API's. The API function is not wrapped: API Gateway and Lambda's active tracing trace its
 * requests, and its cold start stays free of the X-Ray SDK. Outside Lambda the handler is returned as is.
 */
export function traced<E, R>(handler: Handler<E, R>): Handler<E, R> {
  if (!powertools) return handler;
  const [{ Tracer }, { captureLambdaHandler }] = powertools;
  return middy(handler).use(captureLambdaHandler(new Tracer())) as unknown as Handler<E, R>;
}
