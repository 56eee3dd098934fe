import { randomUUID } from "node:crypto";
import type { BudgetUsage, RateLimiter } from "./rateLimiter";

/**
 * Rate limits shared by every instance that calls Mimecast for one application. Flex Consumption runs
 * activities on up to 40 instances, each with its own process and limiter; Mimecast's quota and its
 * 429 pause are per application. Each limiter publishes every pause it learns (a 429: the whole
 * application; `X-RateLimit-Remaining: 0`: that family) to a store, and adopts every pause the store
 * holds, so one instance's 429 (or exhausted quota) holds back all of them.
 *
 * Client-side budgets (MIMECAST_RATE_LIMIT_BUDGETS) are shared the same way: each limiter reports its use
 * of a budgeted family's window (windows are aligned to the epoch, so all instances agree on them) and,
 * before each budgeted request, adopts what the others used — so 40 instances together stay within one
 * budget, not 40. The others' use is read at most every `usageReadEveryMs`, so the application may go
 * over a budget by what the other instances sent within that interval (docs/operations.md).
 *
 * The store is the source of truth; an implementation can be in-process (tests, one host), or a
 * Durable entity per application (publish = signal, refresh = read) on Azure.
 */
export interface RateLimitPause {
  until: number;
  /** Absent: the whole application (a 429). */
  family?: string;
}

/** One instance's use of a budget window. */
export interface InstanceUsage extends BudgetUsage {
  instance: string;
}

export interface RateLimitStore {
  publish(application: string, pause: RateLimitPause): void | Promise<void>;
  /** Records an instance's use of a budget window (idempotent: the largest count per instance and window). */
  publishUsage?(application: string, usage: InstanceUsage): void | Promise<void>;
  /** Every instance's use of each family's latest window. */
  usage?(application: string): InstanceUsage[] | Promise<InstanceUsage[]>;
  /** Pauses still in force for the application. */
  current(application: string, now: number): RateLimitPause[] | Promise<RateLimitPause[]>;
  /** Optional push: called with each pause as it is published (an in-process store). */
  subscribe?(application: string, listener: (pause: RateLimitPause) => void): () => void;
}

export interface SharedRateLimitOptions {
  /** Read the other instances' budget use at most this often (0: before every budgeted request). */
  usageReadEveryMs?: number;
  /** The clock of that interval (real time). */
  now?: () => number;
}

/** Connects one instance's limiter to the shared store. `refresh()` pulls (for stores that cannot push). */
export class SharedRateLimit {
  private readonly unsubscribe: (() => void) | undefined;
  /** This limiter among the application's instances (its budget use is told apart from the others'). */
  readonly instance = randomUUID();
  private lastUsageRead = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store: RateLimitStore,
    private readonly application: string,
    private readonly limiter: RateLimiter,
    private readonly options: SharedRateLimitOptions = {},
  ) {
    limiter.onPause = (pause) => void store.publish(application, pause);
    this.unsubscribe = store.subscribe?.(application, (pause) => limiter.adoptPause(pause));
    if (store.publishUsage && store.usage) {
      const publishUsage = store.publishUsage.bind(store);
      limiter.onUse = (usage) => {
        // Best effort: a lost report only lets the others send a little more this window.
        Promise.resolve(publishUsage(application, { ...usage, instance: this.instance })).catch(
          () => undefined,
        );
      };
      limiter.beforeAcquire = async (family) => {
        if (!limiter.hasBudget(family)) return;
        const now = (this.options.now ?? Date.now)();
        if (now - this.lastUsageRead < (this.options.usageReadEveryMs ?? 0)) return;
        this.lastUsageRead = now;
        await this.adoptUsage();
      };
    }
  }

  async refresh(now: number): Promise<void> {
    for (const pause of await this.store.current(this.application, now)) this.limiter.adoptPause(pause);
    await this.adoptUsage();
  }

  /** The other instances' use of each family's latest window, summed, into this limiter. */
  private async adoptUsage(): Promise<void> {
    if (!this.store.usage) return;
    const totals = new Map<string, BudgetUsage>();
    for (const usage of await this.store.usage(this.application)) {
      if (usage.instance === this.instance) continue;
      const known = totals.get(usage.family);
      if (known && known.window > usage.window) continue;
      const used = known?.window === usage.window ? known.used + usage.used : usage.used;
      totals.set(usage.family, { family: usage.family, window: usage.window, used });
    }
    for (const total of totals.values()) this.limiter.adoptUsage(total);
  }

  detach(): void {
    this.limiter.onPause = undefined;
    this.limiter.onUse = undefined;
    this.limiter.beforeAcquire = undefined;
    this.unsubscribe?.();
  }
}

/** Instances a budget window remembers per family (Flex Consumption runs at most 40 at a time). */
export const MAX_USAGE_INSTANCES = 64;

/** Per family: the latest window and each instance's use of it. */
export type UsageTable = Record<string, { window: number; by: Record<string, number> }>;

/**
 * Records one instance's use (pure, idempotent, order-insensitive): a later window replaces an earlier
 * one, and within a window each instance's count only grows.
 */
export function recordUsage(table: UsageTable | undefined, usage: InstanceUsage): UsageTable | undefined {
  const current = table?.[usage.family];
  if (current && current.window > usage.window) return table;
  const by = current && current.window === usage.window ? { ...current.by } : {};
  if ((by[usage.instance] ?? 0) >= usage.used) return table;
  by[usage.instance] = usage.used;
  const ids = Object.keys(by);
  if (ids.length > MAX_USAGE_INSTANCES) {
    // Keep the largest counts: dropping a small one undercounts the least.
    ids.sort((a, b) => by[a]! - by[b]!);
    for (const id of ids.slice(0, ids.length - MAX_USAGE_INSTANCES)) delete by[id];
  }
  return { ...table, [usage.family]: { window: usage.window, by } };
}

/** A usage table as one report per instance and family. */
export function usageList(table: UsageTable | undefined): InstanceUsage[] {
  return Object.entries(table ?? {}).flatMap(([family, { window, by }]) =>
    Object.entries(by).map(([instance, used]) => ({ family, window, used, instance })),
  );
}

/** The store for instances in one process (and the reference for the semantics): push on publish. */
export class InProcessRateLimitStore implements RateLimitStore {
  private readonly pauses = new Map<string, Map<string, number>>();
  private readonly listeners = new Map<string, Set<(pause: RateLimitPause) => void>>();
  private readonly usageTables = new Map<string, UsageTable>();

  publishUsage(application: string, usage: InstanceUsage): void {
    const next = recordUsage(this.usageTables.get(application), usage);
    if (next) this.usageTables.set(application, next);
  }

  usage(application: string): InstanceUsage[] {
    return usageList(this.usageTables.get(application));
  }

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
