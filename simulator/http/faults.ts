/**
 * Fault injection chosen per test. A rule matches requests (by family, path, method), lets `skip` of them
 * pass, then fires on up to `times` of them (optionally with a seeded `probability`). Each kind acts at one
 * point of request handling; a rule is only counted against requests where its kind can apply.
 */
import { Rng, hashOf } from "../core/random";
import type { RequestFamily } from "./endpoints";

export type FaultKind =
  | "http-status"
  | "slow"
  | "reset"
  | "truncated-gzip"
  | "malformed-lines"
  | "expired-url"
  | "fail-in-200"
  | "token-expired"
  | "duplicate-page"
  | "rate-limit"
  | "trailing-bytes"
  | "stream-repeat";

export interface FaultMatch {
  family?: RequestFamily | readonly RequestFamily[];
  /** Exact path (no query string) or a pattern tested against it. */
  path?: string | RegExp;
  method?: string;
}

interface FaultCommon {
  match?: FaultMatch;
  /** How many matching requests get the fault (default 1; `Infinity` for all). */
  times?: number;
  /** Let this many matching requests pass first. */
  skip?: number;
  /** Chance that a matching request gets the fault, drawn from a PRNG seeded by the simulator seed. */
  probability?: number;
}

export type FaultSpec =
  /** Respond with this status (500/502/503/504 or anything) and an optional body. */
  | { kind: "http-status"; status: number; body?: unknown; headers?: Record<string, string> }
  /** Wait `delayMs` of real time before handling the request (pair with a client timeout). */
  | { kind: "slow"; delayMs: number }
  /** Destroy the socket without answering. */
  | { kind: "reset" }
  /** File host: end the gzip body after `atByte` bytes (default: half the file). */
  | { kind: "truncated-gzip"; atByte?: number }
  /** File host: replace lines (1-based `lines`, or `count` spread over the file; default 1) with garbage. */
  | { kind: "malformed-lines"; lines?: readonly number[]; count?: number }
  /** File host: answer 403 "Request has expired" although the URL is still valid. */
  | { kind: "expired-url" }
  /** JSON endpoint: HTTP 200 whose `fail` array holds this error. */
  | { kind: "fail-in-200"; code?: string; message?: string; retryable?: boolean }
  /** Data call: 401 `token_expired`, and the bearer token stops working. */
  | { kind: "token-expired" }
  /** Paged endpoint: serve the previous page of this application again. */
  | { kind: "duplicate-page" }
  /** Force a 429 telling the client to wait `resetMs` (default 1000). */
  | { kind: "rate-limit"; resetMs?: number }
  /** File host: the complete gzip file followed by `bytes` that are not gzip (default a short text). */
  | { kind: "trailing-bytes"; bytes?: string }
  /** SIEM stream: a next page starts with `count` events of the pages before it (default: a whole page). */
  | { kind: "stream-repeat"; count?: number };

export type FaultRule = FaultSpec & FaultCommon;

export interface FaultHandle {
  readonly rule: FaultRule;
  /** Faults this rule will still inject. */
  readonly remaining: number;
  /** Faults injected so far. */
  readonly hits: number;
  /** Stop injecting (already injected faults stay recorded). */
  cancel(): void;
}

export interface MalformedLine {
  /** Path of the batch file on the file host. */
  file: string;
  lineNumber: number;
  /** The garbage that replaced the line (binary junk shown as latin1). */
  text: string;
  /** The record that was lost from this file. */
  originalLine: string;
}

export interface FaultRequest {
  family: RequestFamily;
  path: string;
  method: string;
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  remaining: number;
  hits: number;
  skipLeft: number;
  rng: Rng;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private readonly malformed: MalformedLine[] = [];

  constructor(private readonly seed: number) {}

  inject(rule: FaultRule): FaultHandle {
    validate(rule);
    const active: ActiveRule = {
      id: this.nextId++,
      rule,
      remaining: rule.times ?? 1,
      hits: 0,
      skipLeft: rule.skip ?? 0,
      rng: new Rng(hashOf(this.seed, "fault", this.nextId)),
    };
    this.rules.push(active);
    return {
      rule,
      get remaining() {
        return active.remaining;
      },
      get hits() {
        return active.hits;
      },
      cancel: () => {
        active.remaining = 0;
      },
    };
  }

  clear(): void {
    this.rules = [];
    this.malformed.length = 0;
  }

  /**
   * The first live rule of one of `kinds` that fires for this request, consuming one of its `times`.
   * `applies` lets the caller refuse a rule its request cannot honour (e.g. no previous page to duplicate).
   */
  take<K extends FaultKind>(
    kinds: readonly K[],
    request: FaultRequest,
    applies: (rule: Extract<FaultRule, { kind: K }>) => boolean = () => true,
  ): Extract<FaultRule, { kind: K }> | undefined {
    for (const active of this.rules) {
      if (active.remaining <= 0 || !(kinds as readonly FaultKind[]).includes(active.rule.kind)) continue;
      const rule = active.rule as Extract<FaultRule, { kind: K }>;
      if (!matches(rule.match, request) || !applies(rule)) continue;
      if (active.skipLeft > 0) {
        active.skipLeft--;
        continue;
      }
      if (rule.probability !== undefined && active.rng.next() >= rule.probability) continue;
      active.remaining--;
      active.hits++;
      return rule;
    }
    return undefined;
  }

  recordMalformed(line: MalformedLine): void {
    this.malformed.push(line);
  }

  malformedLines(): MalformedLine[] {
    return [...this.malformed];
  }
}

function matches(match: FaultMatch | undefined, request: FaultRequest): boolean {
  if (!match) return true;
  if (match.method && match.method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (match.family !== undefined) {
    const families = typeof match.family === "string" ? [match.family] : match.family;
    if (!families.includes(request.family)) return false;
  }
  if (match.path !== undefined) {
    if (typeof match.path === "string" ? match.path !== request.path : !match.path.test(request.path))
      return false;
  }
  return true;
}

function validate(rule: FaultRule): void {
  const times = rule.times ?? 1;
  if (!(times >= 0)) throw new RangeError("fault times must be >= 0");
  if (rule.skip !== undefined && !(rule.skip >= 0)) throw new RangeError("fault skip must be >= 0");
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1)) {
    throw new RangeError("fault probability must be within [0, 1]");
  }
  if (rule.kind === "slow" && !(rule.delayMs >= 0)) throw new RangeError("slow fault needs delayMs >= 0");
  if (rule.kind === "http-status" && !(rule.status >= 100 && rule.status <= 599)) {
    throw new RangeError("http-status fault needs a status in 100..599");
  }
}
