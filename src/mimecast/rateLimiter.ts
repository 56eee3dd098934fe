import type { Clock } from "../shared/clock";
import { DEFAULT_PAUSE_MS, boundedPauseMs } from "../shared/pause";
import { headerText } from "./responses";

/**
 * One rate limiter per Mimecast application (client id / app id), shared by every feed in the process.
 *
 * - It learns from `X-RateLimit-Limit/-Remaining/-Reset` (Reset is **milliseconds** until a request is
 *   added back, per Mimecast's rate-limiting page). `Remaining: 0` pauses that API function until the reset.
 * - A 429 pauses the *whole application* until the reset: Mimecast says the application "should not send a
 *   request to the API for at least" X-RateLimit-Reset.
 * - Every pause is bounded (`boundedPauseMs`): `Reset: 0` waits a second instead of looping, and a reset
 *   in the year 9999 waits the default pause, so no `retryAt` that leaves here is ever absurd.
 * - Optional client-side budgets per family (`n` requests per `windowMs`, fixed windows aligned to the
 *   epoch, so every instance of the application agrees where a window starts) keep a backfill from ever
 *   reaching the server's quota. Other instances' use of a window counts too once adopted
 *   (`adoptUsage`, sharedRateLimit.ts).
 * - `check()` returns the wait as a value so an orchestrator can sleep on a durable timer instead of
 *   holding a function execution.
 */
export interface Budget {
  requests: number;
  windowMs: number;
}

/** One instance's use of a family's budget in one window (window = its start, epoch ms). */
export interface BudgetUsage {
  family: string;
  window: number;
  used: number;
}

export type RateDecision = { kind: "ready" } | { kind: "wait"; until: number; reason: string };

export interface RateLimitSnapshot {
  applicationPausedUntil?: number;
  families: Record<string, { pausedUntil?: number; limit?: number; remaining?: number; used?: number }>;
}

interface FamilyState {
  pausedUntil: number;
  limit?: number;
  remaining?: number;
  windowStart: number;
  usedInWindow: number;
}

export class RateLimiter {
  private applicationPausedUntil = 0;
  /** Told of every pause this limiter learns, so other instances can adopt it (sharedRateLimit.ts). */
  onPause: ((pause: { until: number; family?: string }) => void) | undefined;
  /** Told of this limiter's use of a budgeted family after every request it lets go (sharedRateLimit.ts). */
  onUse: ((usage: BudgetUsage) => void) | undefined;
  /**
   * Awaited by the client before every `acquire`: a shared budget reads the other instances' use here
   * (sharedRateLimit.ts). Its failures are the caller's to ignore: the local budget still holds.
   */
  beforeAcquire: ((family: string) => Promise<void>) | undefined;
  private readonly families = new Map<string, FamilyState>();
  /** Other instances' use, per family, of the window it was reported for. */
  private readonly others = new Map<string, { window: number; used: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly budgets: Record<string, Budget> = {},
  ) {}

  private family(name: string): FamilyState {
    let state = this.families.get(name);
    if (!state) {
      state = { pausedUntil: 0, windowStart: this.clock.now(), usedInWindow: 0 };
      this.families.set(name, state);
    }
    return state;
  }

  private budgetFor(family: string): Budget | undefined {
    return this.budgets[family] ?? this.budgets["default"];
  }

  /** Whether `family` has a client-side budget (only those are shared). */
  hasBudget(family: string): boolean {
    return this.budgetFor(family) !== undefined;
  }

  private windowOf(budget: Budget, now: number): number {
    return now - (((now % budget.windowMs) + budget.windowMs) % budget.windowMs);
  }

  /** Requests of `family` in the window starting at `window`: this instance's and the others' it knows of. */
  private usedIn(family: string, window: number): number {
    const state = this.family(family);
    const mine = state.windowStart === window ? state.usedInWindow : 0;
    const others = this.others.get(family);
    return mine + (others?.window === window ? others.used : 0);
  }

  /** Other instances' use of a family's window (their sum); never lowers what is known of that window. */
  adoptUsage(usage: BudgetUsage): void {
    const known = this.others.get(usage.family);
    if (known && (known.window > usage.window || (known.window === usage.window && known.used >= usage.used)))
      return;
    this.others.set(usage.family, { window: usage.window, used: usage.used });
  }

  /** This instance's use of each budgeted family in its current window. */
  usage(): BudgetUsage[] {
    const now = this.clock.now();
    const out: BudgetUsage[] = [];
    for (const [family, state] of this.families) {
      const budget = this.budgetFor(family);
      if (budget && state.windowStart === this.windowOf(budget, now) && state.usedInWindow > 0)
        out.push({ family, window: state.windowStart, used: state.usedInWindow });
    }
    return out;
  }

  /** May a request to `family` go now? Pure read: does not consume budget. */
  check(family: string): RateDecision {
    const now = this.clock.now();
    if (this.applicationPausedUntil > now) {
      return {
        kind: "wait",
        until: this.applicationPausedUntil,
        reason: "Mimecast answered 429 for this application",
      };
    }
    const state = this.family(family);
    if (state.pausedUntil > now) {
      return { kind: "wait", until: state.pausedUntil, reason: `quota for ${family} exhausted` };
    }
    const budget = this.budgetFor(family);
    if (budget) {
      const window = this.windowOf(budget, now);
      if (this.usedIn(family, window) >= budget.requests) {
        return { kind: "wait", until: window + budget.windowMs, reason: `client budget for ${family}` };
      }
    }
    return { kind: "ready" };
  }

  /** Like `check`, but consumes one unit of the client-side budget when ready. */
  acquire(family: string): RateDecision {
    const decision = this.check(family);
    if (decision.kind === "wait") return decision;
    const budget = this.budgetFor(family);
    if (budget) {
      const state = this.family(family);
      const window = this.windowOf(budget, this.clock.now());
      if (state.windowStart !== window) {
        state.windowStart = window;
        state.usedInWindow = 0;
      }
      state.usedInWindow += 1;
      this.onUse?.({ family, window, used: state.usedInWindow });
    }
    return decision;
  }

  /** Learn from a response's headers (any status). */
  observe(family: string, status: number, headers: Record<string, unknown>): void {
    const now = this.clock.now();
    const state = this.family(family);
    const limit = headerInt(headers, "x-ratelimit-limit");
    const remaining = headerInt(headers, "x-ratelimit-remaining");
    const resetMs = headerNumber(headers, "x-ratelimit-reset");
    if (limit !== undefined) state.limit = limit;
    if (remaining !== undefined) state.remaining = remaining;
    if (status === 429) {
      const waitMs = boundedPauseMs(resetMs ?? retryAfterMs(headers, now));
      this.applicationPausedUntil = Math.max(this.applicationPausedUntil, now + waitMs);
      state.pausedUntil = Math.max(state.pausedUntil, now + waitMs);
      this.onPause?.({ until: this.applicationPausedUntil });
    } else if (remaining === 0 && resetMs !== undefined) {
      state.pausedUntil = Math.max(state.pausedUntil, now + boundedPauseMs(resetMs));
      this.onPause?.({ until: state.pausedUntil, family });
    }
  }

  /** A pause another instance of the same application learned (never shortens one). */
  adoptPause(pause: { until: number; family?: string }): void {
    if (pause.family === undefined) {
      this.applicationPausedUntil = Math.max(this.applicationPausedUntil, pause.until);
    } else {
      const state = this.family(pause.family);
      state.pausedUntil = Math.max(state.pausedUntil, pause.until);
    }
  }

  /** When requests to `family` may resume, or undefined when they may go now. */
  pausedUntil(family: string): number | undefined {
    const decision = this.check(family);
    return decision.kind === "wait" ? decision.until : undefined;
  }

  snapshot(): RateLimitSnapshot {
    const now = this.clock.now();
    const families: RateLimitSnapshot["families"] = {};
    for (const [name, s] of this.families) {
      families[name] = {
        ...(s.pausedUntil > now ? { pausedUntil: s.pausedUntil } : {}),
        ...(s.limit !== undefined ? { limit: s.limit } : {}),
        ...(s.remaining !== undefined ? { remaining: s.remaining } : {}),
        used: s.usedInWindow,
      };
    }
    return {
      ...(this.applicationPausedUntil > now ? { applicationPausedUntil: this.applicationPausedUntil } : {}),
      families,
    };
  }
}

/** When a 429 carries neither X-RateLimit-Reset nor Retry-After (Rapid7 uses 10 min; we are less patient). */
export const DEFAULT_429_PAUSE_MS = DEFAULT_PAUSE_MS;

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const direct = headerText(headers[name]);
  if (direct !== undefined) return direct;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return headerText(v);
  return undefined;
}

function headerInt(headers: Record<string, unknown>, name: string): number | undefined {
  const raw = headerValue(headers, name);
  if (raw === undefined) return undefined;
  const n = Number.parseInt(raw.trim(), 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** A non-negative number as sent (`Number`, not `parseInt`: "1e15" is 1e15, not 1); else undefined. */
function headerNumber(headers: Record<string, unknown>, name: string): number | undefined {
  const raw = headerValue(headers, name)?.trim();
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** `Retry-After` is seconds or an HTTP date (as sent: callers bound it with `boundedPauseMs`). */
export function retryAfterMs(headers: Record<string, unknown>, now: number): number | undefined {
  const raw = headerValue(headers, "retry-after");
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/**
 * Process-wide registry: one limiter per Mimecast application and clock, whoever asks for it. The
 * clock is part of the key because a limiter reads time from the clock it was built with: a second
 * runtime with its own (simulated) clock in the same process must not inherit pauses measured on
 * another clock's time line, which it would then wait for forever.
 */
let limiters = new WeakMap<Clock, Map<string, RateLimiter>>();

export function rateLimiterForApplication(
  applicationId: string,
  clock: Clock,
  budgets?: Record<string, Budget>,
): RateLimiter {
  let byApplication = limiters.get(clock);
  if (!byApplication) {
    byApplication = new Map();
    limiters.set(clock, byApplication);
  }
  let limiter = byApplication.get(applicationId);
  if (!limiter) {
    limiter = new RateLimiter(clock, budgets);
    byApplication.set(applicationId, limiter);
  }
  return limiter;
}

/** Tests only: forget every registered limiter. */
export function resetRateLimiterRegistry(): void {
  limiters = new WeakMap();
}
