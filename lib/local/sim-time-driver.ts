/**
 * Makes the simulated cluster's clock run `1 / timeFactor` times faster than the wall clock, so that
 * metrics windows, readiness delays and traffic counters agree with the compressed Wait states of the
 * local rollout runner (a 30 s analysis interval at factor 0.02 takes 0.6 s and still sees 30 s of
 * simulated traffic).
 */
export function driveSimTime(advance: (seconds: number) => Promise<void>, timeFactor: number, periodMs = 100): { stop(): void } {
  if (timeFactor >= 1) return { stop: () => undefined };
  const extraPerPeriod = (periodMs / 1000) * (1 / timeFactor - 1);
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    advance(extraPerPeriod).finally(() => {
      busy = false;
    });
  }, periodMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
