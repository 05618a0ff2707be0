/**
 * Polls `check` until it returns a value or `timeoutMs` passes (then returns undefined). Lets a task
 * wait for pods inside one invocation before falling back to the state machine's retries, so a slow
 * image pull does not exhaust them.
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 1_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}
