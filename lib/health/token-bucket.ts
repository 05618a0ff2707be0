/**
 * Token bucket as plain data: `capacity` actions may happen at once, then `refillPerHour` more per
 * hour. Pure functions; the caller stores the bucket (e.g. in DynamoDB) between decisions.
 */
export interface TokenBucketConfig {
  capacity: number;
  refillPerHour: number;
}

export interface TokenBucket {
  tokens: number;
  /** ISO time `tokens` was computed for. */
  updatedAt: string;
}

/** The bucket as of `now`; an absent bucket is full. Time going backwards does not add tokens. */
export function refillBucket(bucket: TokenBucket | undefined, config: TokenBucketConfig, now: string): TokenBucket {
  if (bucket === undefined) return { tokens: config.capacity, updatedAt: now };
  const elapsedHours = Math.max(0, (Date.parse(now) - Date.parse(bucket.updatedAt)) / 3_600_000);
  const tokens = Math.min(config.capacity, bucket.tokens + elapsedHours * config.refillPerHour);
  return { tokens, updatedAt: elapsedHours > 0 ? now : bucket.updatedAt };
}

/** True when one token is available at `now`. */
export function hasToken(bucket: TokenBucket | undefined, config: TokenBucketConfig, now: string): boolean {
  return refillBucket(bucket, config, now).tokens >= 1;
}

/** Takes one token at `now`. Throws if none is available: callers check {@link hasToken} first. */
export function takeToken(bucket: TokenBucket | undefined, config: TokenBucketConfig, now: string): TokenBucket {
  const current = refillBucket(bucket, config, now);
  if (current.tokens < 1) throw new RangeError('no token available');
  return { tokens: current.tokens - 1, updatedAt: current.updatedAt };
}

/** When the next token will be available (now, if one is). */
export function nextTokenAt(bucket: TokenBucket | undefined, config: TokenBucketConfig, now: string): string {
  const current = refillBucket(bucket, config, now);
  if (current.tokens >= 1 || config.refillPerHour <= 0) return now;
  const waitMs = ((1 - current.tokens) / config.refillPerHour) * 3_600_000;
  return new Date(Date.parse(now) + Math.ceil(waitMs)).toISOString();
}
