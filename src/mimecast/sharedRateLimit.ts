import type { RateLimiter } from "./rateLimiter";

/**
 * Rate limits shared by every instance that calls Mimecast for one application. Flex Consumption runs
 * activities on up to 40 instances, each with its own process and limiter; Mimecast's quota and its
 * 429 pause are per application. Each limiter publishes every pause it learns (a 429: the whole
 * application; `X-RateLimit-Remaining: 0`: that family) to a store, and adopts every pause the store
 * holds, so one instance's 429 (or exhausted quota) holds back all of them.
 *
 * The store is the source of truth; an implementation can be in-process (tests, one host), or a
 * Durable entity per application (publish = signal, refresh = read) on Azure.
 */
export interface RateLimitPause {
  until: number;
  /** Absent: the whole application (a 429). */
  family?: string;
}

export interface RateLimitStore {
  publish(application: string, pause: RateLimitPause): void | Promise<void>;
  /** Pauses still in force for the application. */
  current(application: string, now: number): RateLimitPause[] | Promise<RateLimitPause[]>;
  /** Optional push: called with each pause as it is published (an in-process store). */
  subscribe?(application: string, listener: (pause: RateLimitPause) => void): () => void;
}

/** Connects one instance's limiter to the shared store. `refresh()` pulls (for stores that cannot push). */
export class SharedRateLimit {
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: RateLimitStore,
    private readonly application: string,
    private readonly limiter: RateLimiter,
  ) {
    limiter.onPause = (pause) => void store.publish(application, pause);
    this.unsubscribe = store.subscribe?.(application, (pause) => limiter.adoptPause(pause));
  }

  async refresh(now: number): Promise<void> {
    for (const pause of await this.store.current(this.application, now)) this.limiter.adoptPause(pause);
  }

  detach(): void {
    this.limiter.onPause = undefined;
    this.unsubscribe?.();
  }
}

/** The store for instances in one process (and the reference for the semantics): push on publish. */
export class InProcessRateLimitStore implements RateLimitStore {
  private readonly pauses = new Map<string, Map<string, number>>();
  private readonly listeners = new Map<string, Set<(pause: RateLimitPause) => void>>();

  publish(application: string, pause: RateLimitPause): void {
    const byFamily = this.pauses.get(application) ?? new Map<string, number>();
    const key = pause.family ?? "";
    if ((byFamily.get(key) ?? 0) >= pause.until) return;
    byFamily.set(key, pause.until);
    this.pauses.set(application, byFamily);
    for (const listener of this.listeners.get(application) ?? []) listener(pause);
  }

  current(application: string, now: number): RateLimitPause[] {
    return [...(this.pauses.get(application) ?? new Map<string, number>())]
      .filter(([, until]) => until > now)
      .map(([family, until]) => (family === "" ? { until } : { until, family }));
  }

  subscribe(application: string, listener: (pause: RateLimitPause) => void): () => void {
    const set = this.listeners.get(application) ?? new Set();
    set.add(listener);
    this.listeners.set(application, set);
    return () => set.delete(listener);
  }
}
