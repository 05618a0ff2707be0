import { Server } from 'node:net';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '']);
let patched = 0;
let original: Server['listen'] | undefined;

/**
 * Runs `start` with every `listen` on an all-interfaces address turned into a listen on 127.0.0.1.
 * For libraries that ignore the host they are given: fauxqs's `startFauxqs({ host })` uses the host only
 * in queue URLs and always listens on 0.0.0.0, which would expose the queues to the network.
 * Nothing in this process should listen on all interfaces, so the rewrite is safe for whatever else
 * starts meanwhile; nested and concurrent calls share one patch.
 */
export async function listeningOnLoopback<T>(start: () => Promise<T>): Promise<T> {
  if (patched++ === 0) {
    original = Server.prototype.listen;
    const listen = original;
    Server.prototype.listen = function (this: Server, ...args: unknown[]) {
      const [first] = args;
      if (first && typeof first === 'object' && 'port' in first) {
        const options = first as { host?: string };
        if (options.host === undefined || WILDCARD_HOSTS.has(options.host)) args[0] = { ...options, host: '127.0.0.1' };
      } else if ((typeof first === 'number' || typeof first === 'string') && /^\d+$/.test(String(first))) {
        const host = args[1];
        if (typeof host !== 'string') args.splice(1, 0, '127.0.0.1');
        else if (WILDCARD_HOSTS.has(host)) args[1] = '127.0.0.1';
      }
      return (listen as (...a: unknown[]) => Server).apply(this, args);
    } as Server['listen'];
  }
  try {
    return await start();
  } finally {
    if (--patched === 0 && original) {
      Server.prototype.listen = original;
      original = undefined;
    }
  }
}
