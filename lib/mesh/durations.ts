/**
 * Istio duration fields (timeouts, ejection times) are protobuf `Duration`s. Their JSON form is a
 * number of seconds with an `s` suffix and up to nine fractional digits (`"5s"`, `"0.25s"`); strict
 * protobuf JSON parsers reject Go-style units such as `"250ms"` or `"1m"`, so only seconds are used.
 */
import { ValidationError } from '../errors.js';

/** Milliseconds as an Istio duration: `5000` → `"5s"`, `250` → `"0.25s"`, `1` → `"0.001s"`. */
export function istioDuration(millis: number): string {
  if (!Number.isInteger(millis) || millis < 1)
    throw new ValidationError([{ path: 'duration', message: `must be a whole number of milliseconds of at least 1, got ${millis}` }]);
  const seconds = Math.floor(millis / 1000);
  const fraction = millis % 1000;
  if (fraction === 0) return `${seconds}s`;
  return `${seconds}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}s`;
}
