/** Fixed-window quotas per (application, endpoint family), on the simulator clock. */
import type { RateLimitOptions } from "../core/options";

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until a request is added back (Mimecast's X-RateLimit-Reset unit). */
  resetMs: number;
}

interface Window {
  startedAt: number;
  used: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly options: Required<RateLimitOptions>) {}

  take(appId: string, family: string, now: number): RateDecision {
    const key = `${appId}\u0000${family}`;
    let window = this.windows.get(key);
    if (!window || now >= window.startedAt + this.options.windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    const resetMs = Math.max(1, window.startedAt + this.options.windowMs - now);
    if (window.used >= this.options.limit)
      return { allowed: false, limit: this.options.limit, remaining: 0, resetMs };
    window.used++;
    return { allowed: true, limit: this.options.limit, remaining: this.options.limit - window.used, resetMs };
  }
}

export function rateLimitHeaders(
  decision: Pick<RateDecision, "limit" | "remaining" | "resetMs">,
): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(decision.limit),
    "X-RateLimit-Remaining": String(decision.remaining),
    "X-RateLimit-Reset": String(decision.resetMs),
  };
}
