/**
 * A short-lived credential minted on demand and reused until shortly before it expires.
 */

/** Options of {@link CachedToken}. */
export interface CachedTokenOptions {
  /** How long a minted token is reused; set below its real validity so it never reaches the server stale. */
  reuseForMs: number;
  now?: () => number;
}

/**
 * Reuses a minted token for `reuseForMs`; concurrent callers share one mint, and a failed mint is
 * not cached (the next caller tries again).
 */
export class CachedToken {
  private current: { token: string; mintedAt: number } | undefined;
  private minting: Promise<string> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly mint: () => Promise<string>,
    private readonly options: CachedTokenOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** A token that is fresh enough to send now. */
  async get(): Promise<string> {
    const current = this.current;
    if (current && this.now() - current.mintedAt < this.options.reuseForMs) return current.token;
    this.minting ??= this.mintAndStore().finally(() => {
      this.minting = undefined;
    });
    return this.minting;
  }

  /** Forgets the cached token (e.g. after the server rejected it). */
  invalidate(): void {
    this.current = undefined;
  }

  private async mintAndStore(): Promise<string> {
    const mintedAt = this.now();
    const token = await this.mint();
    this.current = { token, mintedAt };
    return token;
  }
}
