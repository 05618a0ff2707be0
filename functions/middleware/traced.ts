import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * X-Ray tracing of a function with Powertools Tracer: a subsegment for the handler (its response or
 * error as metadata, cold start as an annotation) and, through the Tracer's HTTP instrumentation, one
 * for every outgoing request: the AWS SDK clients' (DynamoDB, SQS, Step Functions, EventBridge) and the
 * Kubernetes API's. The API function is not wrapped: API Gateway and Lambda's active tracing trace its
 * requests, and its cold start stays free of the X-Ray SDK.
 */
export function traced<E, R>(handler: Handler<E, R>): Handler<E, R> {
  const tracer = new Tracer();
  return middy(handler).use(captureLambdaHandler(tracer)) as unknown as Handler<E, R>;
}
