import type { Clock } from "../shared/clock";

/**
 * Caches one asynchronously loaded value for `ttlMs`, with at most one load in flight: callers that
 * arrive during a load share it. Failed loads are not cached, so the next `get` tries again.
 *
 * `invalidate` forgets the cached value but does not abandon a load already in flight: loads run one
 * after another, so an in-flight load started after the value being invalidated was read, and is at
 * least as fresh. Abandoning it would let a burst of auth failures start a burst of reads.
 */
export class SingleFlightCache<T> {
  private cached: { value: T; expiresAt: number } | undefined;
  private inflight: Promise<T> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
    private readonly clock: Clock,
  ) {}

  get(): Promise<T> {
    if (this.cached && this.clock.now() < this.cached.expiresAt) return Promise.resolve(this.cached.value);
    this.inflight ??= this.refresh();
    return this.inflight;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async refresh(): Promise<T> {
    try {
      const value = await this.load();
      this.cached = { value, expiresAt: this.clock.now() + this.ttlMs };
      return value;
    } finally {
      this.inflight = undefined;
    }
  }
}
