/** Small HTTP helpers shared by the simulated API server's handlers. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KubeApiError } from './api-errors.js';

/** Largest request body accepted (a real API server allows 3 MiB objects). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Reads the whole request body; 413 past MAX_BODY_BYTES. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new KubeApiError(413, 'BadRequest', 'request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Sends a JSON answer. */
export function sendJson(res: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a KubeApiError as a Kubernetes Status, or any other error as a 500 Status. */
export function sendError(res: ServerResponse, err: unknown): void {
  const apiError =
    err instanceof KubeApiError ? err : new KubeApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, apiError.code, apiError.toStatus());
}

/** The media type of a request, without parameters. */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}
