import { RATE_LIMIT_FAMILIES } from "../mimecast/endpoints";
import { failed, parsed, splitPairs } from "./parse";
import type { ParseResult } from "./parse";

/** At most `requests` calls per `windowMs` to one endpoint family, enforced on our side. */
export interface RateLimitBudget {
  requests: number;
  windowMs: number;
}

/** Endpoint family names are the Mimecast client's (one per API function); "default" covers the rest. */
const KNOWN_FAMILIES = new Set(["default", ...RATE_LIMIT_FAMILIES]);
const BUDGET = /^(\d+)\/(\d+)$/;

/** "siem-batch-cg=50/900000,default=20/60000" → { "siem-batch": {50, 900000}, default: {20, 60000} }. */
export function parseRateLimitBudgets(text: string): ParseResult<Readonly<Record<string, RateLimitBudget>>> {
  const pairs = splitPairs(text);
  if (!pairs.ok) return pairs;
  const budgets: Record<string, RateLimitBudget> = {};
  for (const [family, budget] of pairs.value) {
    if (!KNOWN_FAMILIES.has(family)) {
      return failed(`"${family}" is not an endpoint family; use one of ${[...KNOWN_FAMILIES].join(", ")}`);
    }
    const match = BUDGET.exec(budget);
    const requests = Number(match?.[1]);
    const windowMs = Number(match?.[2]);
    if (!match || requests < 1 || windowMs < 1) {
      return failed(`"${budget}" for ${family} is not <requests>/<window ms> with both numbers above 0`);
    }
    budgets[family] = { requests, windowMs };
  }
  return parsed(budgets);
}
