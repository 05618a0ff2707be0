import { describe, expect, it } from 'vitest';
import { isSignalEcho, SIGNAL_ECHO_MS } from '../../cli/commands/signal-echo.js';
import { isShell } from '../../cli/parent-watch.js';

describe('isSignalEcho', () => {
  const first = { signal: 'SIGINT', at: 10_000 };
  it.each([
    ['the same signal at once (npm forwarding the terminal’s Ctrl-C)', 'SIGINT', 10_003, true],
    ['the same signal just inside the window', 'SIGINT', 10_000 + SIGNAL_ECHO_MS - 1, true],
    ['the same signal once the window has passed (a second Ctrl-C)', 'SIGINT', 10_000 + SIGNAL_ECHO_MS, false],
    ['another signal at once', 'SIGTERM', 10_001, false],
    ['a clock that went back', 'SIGINT', 9_999, false],
  ])('%s → %s', (_what, signal, at, echo) => {
    expect(isSignalEcho(first, signal, at)).toBe(echo);
  });
});

describe('isShell', () => {
  it.each([
    ['sh\n', true],
    ['dash\n', true],
    ['bash', true],
    ['zsh', true],
    ['npm start\n', false],
    ['node', false],
    [undefined, false],
  ])('%j → %s', (comm, shell) => {
    expect(isShell(comm)).toBe(shell);
  });
});
