import { useEffect, useRef, useState } from 'preact/hooks';
import type { AuditEvent } from './api';

/**
 * Live updates. Locally the runtime streams every committed audit event (GET /v1/events/stream); where
 * there is no stream (API Gateway on AWS cannot stream), or while it is down, views poll instead.
 * `useLive` gives a counter that moves on every change a view should re-read for, at most every 250 ms.
 */
type Listener = (event: AuditEvent | undefined) => void;

const listeners = new Set<Listener>();
let source: EventSource | undefined;
let streaming = false;
let failures = 0;

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/v1/events/stream');
  source.addEventListener('open', () => {
    streaming = true;
    failures = 0;
    document.documentElement.dataset.live = 'stream';
  });
  source.addEventListener('audit', (e) => {
    const event = JSON.parse((e as MessageEvent<string>).data) as AuditEvent;
    for (const l of listeners) l(event);
  });
  source.addEventListener('resync', () => {
    for (const l of listeners) l(undefined);
  });
  source.addEventListener('error', () => {
    streaming = false;
    document.documentElement.dataset.live = 'poll';
    // No stream here (404/403 on AWS): stop trying after a few attempts and let the views poll.
    if (++failures >= 3) {
      source?.close();
      source = undefined;
      setTimeout(() => ((failures = 0), listeners.size && connect()), 30_000);
    }
  });
}

export function isStreaming(): boolean {
  return streaming;
}

/**
 * A number that changes when the view should re-read: on an audit event `relevant` accepts (all by
 * default), and every `pollMs` (a floor for what events do not announce, such as observed replicas; and
 * the only source without a stream, then at most 2 s apart).
 */
export function useLive(relevant: (e: AuditEvent) => boolean = () => true, pollMs = 5_000): number {
  const [tick, setTick] = useState(0);
  const pending = useRef<number | undefined>(undefined);
  const filter = useRef(relevant);
  filter.current = relevant;
  useEffect(() => {
    connect();
    let last = Date.now();
    const bump = () => {
      last = Date.now();
      if (pending.current !== undefined) return;
      pending.current = window.setTimeout(() => {
        pending.current = undefined;
        setTick((t) => t + 1);
      }, 250);
    };
    const listener: Listener = (e) => {
      if (!e || filter.current(e)) bump();
    };
    listeners.add(listener);
    const timer = window.setInterval(() => {
      if (Date.now() - last >= (streaming ? pollMs : Math.min(pollMs, 2_000)) - 100) bump();
    }, 500);
    return () => {
      listeners.delete(listener);
      clearInterval(timer);
      if (pending.current !== undefined) clearTimeout(pending.current);
    };
  }, [pollMs]);
  return tick;
}

/** Re-runs `load` whenever `tick` changes; keeps the last good value while a reload fails. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    let stale = false;
    load().then(
      (value) => {
        if (stale) return;
        setData(value);
        setError(undefined);
      },
      (err: unknown) => !stale && setError((err as Error).message),
    );
    return () => {
      stale = true;
    };
  }, [...deps, nonce]);
  return { data, error, reload: () => setNonce((n) => n + 1) };
}
