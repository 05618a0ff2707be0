/**
 * The `/sim` HTTP API: fault injection, node and zone outages, simulated-time control and a state
 * summary. JSON in, JSON out; each route mirrors a `SimFaults` method (documented in README.md).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultRequestError, type SimFaults } from './faults.js';
import { readBody, sendJson } from './http-util.js';

/** What the /sim routes act on. */
export interface SimControls {
  faults: SimFaults;
  /** Moves simulated time forward, running the controllers and traffic model on the way. */
  advanceTime(seconds: number): Promise<void>;
  /** The last tick's calls between zones (`GET /sim/traffic`). */
  traffic?: () => unknown;
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new FaultRequestError('the body must be a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof FaultRequestError) throw err;
    throw new FaultRequestError(`the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Handles a request under /sim/. */
export async function handleSimRoute(req: IncomingMessage, res: ServerResponse, url: URL, controls: SimControls): Promise<void> {
  const method = req.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const { faults } = controls;
  try {
    if (method === 'GET' && path === '/sim/state') return sendJson(res, 200, faults.state());
    if (method === 'GET' && path === '/sim/traffic' && controls.traffic) return sendJson(res, 200, controls.traffic());
    if (method === 'DELETE' && path === '/sim/faults') {
      faults.clear();
      return sendJson(res, 200, faults.state().faults);
    }
    if (method === 'POST') {
      const body = await jsonBody(req);
      const image = body.image as string;
      let m: RegExpExecArray | null;
      if (path === '/sim/faults/crashloop') faults.crashLoop(image);
      else if (path === '/sim/faults/unready') faults.unready(image);
      else if (path === '/sim/faults/traffic') faults.traffic(body as never);
      else if (path === '/sim/faults/api') faults.api(body as never);
      else if ((m = /^\/sim\/nodes\/([^/]+)\/(down|up)$/.exec(path)))
        (m[2] === 'down' ? faults.nodeDown : faults.nodeUp).call(faults, decodeURIComponent(m[1]));
      else if ((m = /^\/sim\/zones\/([^/]+)\/(down|up)$/.exec(path)))
        (m[2] === 'down' ? faults.zoneDown : faults.zoneUp).call(faults, decodeURIComponent(m[1]));
      else if (path === '/sim/clock/advance') {
        const seconds = body.seconds;
        if (typeof seconds !== 'number' || !(seconds > 0) || seconds > 86_400) throw new FaultRequestError('seconds: must be a number in (0, 86400]');
        await controls.advanceTime(seconds);
      } else return sendJson(res, 404, { error: `no simulator route POST ${path}` });
      return sendJson(res, 200, faults.state().faults);
    }
    return sendJson(res, 404, { error: `no simulator route ${method} ${path}` });
  } catch (err) {
    if (err instanceof FaultRequestError) return sendJson(res, err.status, { error: err.message });
    throw err;
  }
}
