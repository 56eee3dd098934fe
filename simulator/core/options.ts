/** Simulator options, their defaults and validation. */
import { Buffer } from "node:buffer";
import type { ClockLike, SimClock } from "./clock";
import { asSimClock, realClock } from "./clock";
import { FEEDS } from "../feeds/catalog";
import type { FeedKey, SiemFeedKey } from "../feeds/types";
import type { EndpointFamily } from "../http/endpoints";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time-format";

export interface OAuthApplication {
  clientId: string;
  clientSecret: string;
}

export interface HmacApplication {
  appId: string;
  appKey: string;
  accessKey: string;
  /** Base64, as Mimecast issues it. */
  secretKeyBase64: string;
}

export type ApplicationSpec = OAuthApplication | HmacApplication;

export interface RateLimitOptions {
  /** Requests per window, per application and endpoint family. */
  limit: number;
  windowMs: number;
  /** Elastic observed that Mimecast only sends X-RateLimit-* once the limit is hit. */
  headersOnlyOn429?: boolean;
}

/** A feed (`"dlp"`), or one SIEM type (`"siem-cg:receipt"`) for a finer rate. */
export type EventsPerDayKey = FeedKey | `${SiemFeedKey}:${string}`;

export interface SimulatorOptions {
  /** PRNG seed: the same seed and options give byte-identical responses. */
  seed: number;
  /** Default: wall-clock time (adjustable). Tests pass `manualClock(...)`. */
  clock?: ClockLike;
  /** Event rate per feed (per SIEM type for SIEM feeds). A number applies to every feed. */
  eventsPerDay?: number | Partial<Record<EventsPerDayKey, number>>;
  /** Epoch ms before which no event exists. Default: 90 days before the clock's time at start. */
  startOfData?: number;
  /** Share of events published after their event time. Default 0.05. */
  lateFraction?: number;
  /** Maximum publish delay of a late event. Default 2 h. */
  maxLateMs?: number;
  /** OAuth `expires_in`. Default 1800 (Mimecast's 30 minutes). */
  tokenTtlSeconds?: number;
  /** Default: `TEST_OAUTH_APPLICATION` and `TEST_HMAC_APPLICATION`. */
  applications?: ApplicationSpec[];
  /** Families each application (client id / app id) may call; applications not listed may call everything. */
  permissions?: Record<string, readonly EndpointFamily[]>;
  /** Fixed-window quota per application and family, or `false` for none. Default 1000 per minute. */
  rateLimit?: RateLimitOptions | false;
  /** Lifetime of presigned batch-file URLs. Default 15 min. */
  fileUrlTtlMs?: number;
  /** Indicators per threat-intel file. Default 250. */
  threatIntelIndicatorsPerFile?: number;
  /**
   * Caps every JSON page and SIEM stream page below what the client asks for (tests: multi-page windows
   * and stream reads at small volumes).
   * Default: no cap beyond the endpoint's own.
   */
  maxPageSize?: number;
  /** Only loopback: the simulator is a test tool. */
  host?: "127.0.0.1" | "localhost";
  port?: number;
  fileHostPort?: number;
  /** Request-log entries kept (oldest dropped first). Default 100 000. */
  maxRequestLog?: number;
  /** The SIEM event stream (`GET /siem/v1/events/{cg,ci}`); see `SiemStreamOptions`. */
  siemStream?: SiemStreamOptions;
}

/**
 * Mimecast does not document the stream's order or quota, so both are options. `event-time`: the date
 * range and the order apply to the event's own time (a late event appears behind a cursor that already
 * passed it). `arrival`: they apply to the time the event became visible (a late event appears among
 * newer ones, with its old `timestamp`).
 */
export interface SiemStreamOptions {
  ordering?: "event-time" | "arrival";
  /** Events of the previous page repeated at the start of each next page (research: "pages can repeat"). Default 2. */
  repeatsPerPage?: number;
  /** The stream's own quota per application and family (lower than batch's). Default 120 per minute. */
  rateLimit?: RateLimitOptions | false;
}

export interface ResolvedSiemStream {
  ordering: "event-time" | "arrival";
  repeatsPerPage: number;
  rateLimit: Required<RateLimitOptions> | false;
}

export const DEFAULT_STREAM_RATE_LIMIT: Required<RateLimitOptions> = {
  limit: 120,
  windowMs: MINUTE_MS,
  headersOnlyOn429: false,
};

export type AppIdentity =
  | { kind: "oauth2"; id: string; clientId: string; clientSecret: string }
  | { kind: "hmac"; id: string; appId: string; appKey: string; accessKey: string; secretKeyBase64: string };

export interface ResolvedOptions {
  seed: number;
  clock: SimClock;
  startOfData: number;
  lateFraction: number;
  maxLateMs: number;
  tokenTtlSeconds: number;
  applications: AppIdentity[];
  permissions: Record<string, readonly EndpointFamily[]>;
  rateLimit: Required<RateLimitOptions> | false;
  fileUrlTtlMs: number;
  threatIntelIndicatorsPerFile: number;
  maxPageSize: number;
  host: "127.0.0.1" | "localhost";
  port: number;
  fileHostPort: number;
  maxRequestLog: number;
  eventsPerDay: (feed: FeedKey, type: string) => number;
  siemStream: ResolvedSiemStream;
}

/** Simulator-only credentials (they unlock nothing real; fine to print and commit). */
export const TEST_OAUTH_APPLICATION: OAuthApplication = {
  clientId: "sim-client-id-0001",
  clientSecret: "sim-client-secret-0001-simulator-only",
};

export const TEST_HMAC_APPLICATION: HmacApplication = {
  appId: "sim-app-id-0001",
  appKey: "sim-app-key-0001",
  accessKey: "sim-access-key-0001",
  secretKeyBase64: Buffer.from("sim-hmac-secret-key-0001-simulator-only").toString("base64"),
};

export const DEFAULT_RATE_LIMIT: Required<RateLimitOptions> = {
  limit: 1000,
  windowMs: MINUTE_MS,
  headersOnlyOn429: false,
};

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  if (!Number.isSafeInteger(options.seed)) throw new RangeError("seed must be an integer");
  const clock = options.clock ? asSimClock(options.clock) : realClock();
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1" && host !== "localhost")
    throw new RangeError("the simulator only listens on loopback");
  const lateFraction = options.lateFraction ?? 0.05;
  if (!(lateFraction >= 0 && lateFraction <= 1)) throw new RangeError("lateFraction must be within [0, 1]");
  const rateLimit = options.rateLimit === false ? false : { ...DEFAULT_RATE_LIMIT, ...options.rateLimit };
  if (rateLimit && !(rateLimit.limit >= 1 && rateLimit.windowMs >= 1))
    throw new RangeError("rateLimit needs limit, windowMs >= 1");
  return {
    seed: options.seed,
    clock,
    startOfData: options.startOfData ?? clock.now() - 90 * DAY_MS,
    lateFraction,
    maxLateMs: nonNegative("maxLateMs", options.maxLateMs ?? 2 * HOUR_MS),
    tokenTtlSeconds: positive("tokenTtlSeconds", options.tokenTtlSeconds ?? 1800),
    applications: (options.applications ?? [TEST_OAUTH_APPLICATION, TEST_HMAC_APPLICATION]).map(toIdentity),
    permissions: options.permissions ?? {},
    rateLimit,
    fileUrlTtlMs: positive("fileUrlTtlMs", options.fileUrlTtlMs ?? 15 * MINUTE_MS),
    threatIntelIndicatorsPerFile: positive(
      "threatIntelIndicatorsPerFile",
      options.threatIntelIndicatorsPerFile ?? 250,
    ),
    maxPageSize: positive("maxPageSize", options.maxPageSize ?? Number.MAX_SAFE_INTEGER),
    host,
    port: options.port ?? 0,
    fileHostPort: options.fileHostPort ?? 0,
    maxRequestLog: positive("maxRequestLog", options.maxRequestLog ?? 100_000),
    eventsPerDay: eventsPerDayLookup(options.eventsPerDay),
    siemStream: resolveSiemStream(options.siemStream ?? {}),
  };
}

function resolveSiemStream(options: SiemStreamOptions): ResolvedSiemStream {
  const ordering = options.ordering ?? "event-time";
  if (ordering !== "event-time" && ordering !== "arrival")
    throw new RangeError('siemStream.ordering must be "event-time" or "arrival"');
  const repeatsPerPage = options.repeatsPerPage ?? 2;
  if (!Number.isSafeInteger(repeatsPerPage) || repeatsPerPage < 0)
    throw new RangeError("siemStream.repeatsPerPage must be an integer >= 0");
  const rateLimit =
    options.rateLimit === false ? false : { ...DEFAULT_STREAM_RATE_LIMIT, ...options.rateLimit };
  if (rateLimit && !(rateLimit.limit >= 1 && rateLimit.windowMs >= 1))
    throw new RangeError("siemStream.rateLimit needs limit, windowMs >= 1");
  return { ordering, repeatsPerPage, rateLimit };
}

function toIdentity(app: ApplicationSpec): AppIdentity {
  if ("clientId" in app) return { kind: "oauth2", id: app.clientId, ...app };
  return { kind: "hmac", id: app.appId, ...app };
}

function eventsPerDayLookup(spec: SimulatorOptions["eventsPerDay"]): (feed: FeedKey, type: string) => number {
  return (feed, type) => {
    if (typeof spec === "number") return spec;
    const table = (spec ?? {}) as Partial<Record<string, number>>;
    return table[`${feed}:${type}`] ?? table[feed] ?? FEEDS[feed].defaultEventsPerDay;
  };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be >= 0`);
  return value;
}
