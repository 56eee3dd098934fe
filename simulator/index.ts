/**
 * Mimecast API simulator: an HTTP server on loopback that behaves like Mimecast as documented in the
 * research notes (docs/simulator.md), with deterministic seeded data, a ground truth of every event, rate
 * limits and fault injection. Test-only: it is not deployed with the function app.
 */
import { BatchFiles } from "./core/batch-files";
import type { SimClock } from "./core/clock";
import type { GroundTruthQuery } from "./core/ground-truth";
import { groundTruth } from "./core/ground-truth";
import type { AppIdentity, SimulatorOptions } from "./core/options";
import { resolveOptions } from "./core/options";
import { hashOf } from "./core/random";
import { TokenSigner } from "./core/signed-token";
import type { SimEvent } from "./core/universe";
import { EventUniverse } from "./core/universe";
import {
  campaignUserData,
  campaigns,
  performanceDetails,
  safeScoreDetails,
  watchlistDetails,
} from "./feeds/awareness";
import type { FeedKey, LogRecord } from "./feeds/types";
import type { SimContext } from "./http/context";
import type { FaultHandle, FaultRule, MalformedLine } from "./http/faults";
import { FaultInjector } from "./http/faults";
import { TokenStore } from "./http/oauth-tokens";
import type { RequestLogEntry } from "./http/request-log";
import { RequestLog } from "./http/request-log";
import { SimulatorServer } from "./http/server";

export type { ClockLike, SimClock } from "./core/clock";
export { manualClock, realClock } from "./core/clock";
export type { GroundTruthQuery } from "./core/ground-truth";
export type {
  ApplicationSpec,
  EventsPerDayKey,
  HmacApplication,
  OAuthApplication,
  RateLimitOptions,
  SimulatorOptions,
} from "./core/options";
export { TEST_HMAC_APPLICATION, TEST_OAUTH_APPLICATION } from "./core/options";
export type { SimEvent } from "./core/universe";
export { formatDay, formatMcDate, formatMimecastTime, formatStixTime } from "./core/time-format";
export type { FeedKey, LogRecord } from "./feeds/types";
export { FEED_KEYS, SIEM_CG_TYPES, SIEM_CI_TYPES, SIEM_V1_TYPES } from "./feeds/types";
export type { EndpointFamily, EndpointSpec, RequestFamily } from "./http/endpoints";
export { ENDPOINTS, ENDPOINT_FAMILIES } from "./http/endpoints";
export type { FaultHandle, FaultKind, FaultMatch, FaultRule, MalformedLine } from "./http/faults";
export type { RequestLogEntry } from "./http/request-log";

/** Same shapes as `src/mimecast/credentials.ts`, so they can be handed to the client as they are. */
export interface SimCredentials {
  oauth?: { kind: "oauth2"; clientId: string; clientSecret: string };
  hmac?: { kind: "hmac"; appId: string; appKey: string; accessKey: string; secretKey: string };
}

export type AwarenessSnapshotKind = "performance" | "safe-score" | "watchlist" | "campaigns" | "user-data";

export interface Simulator {
  /** API base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Presigned-file host (second listener), e.g. `http://127.0.0.1:41235`. */
  readonly fileBaseUrl: string;
  /** First OAuth and first HMAC application (the built-in test credentials unless `applications` was given). */
  readonly credentials: SimCredentials;
  readonly applications: readonly AppIdentity[];
  readonly clock: SimClock;
  readonly faults: {
    inject(rule: FaultRule): FaultHandle;
    clear(): void;
    /** Lines replaced by `malformed-lines` faults, in the order they were served. */
    malformedLines(): MalformedLine[];
  };
  /** Every request, in arrival order (live array). */
  readonly requests: readonly RequestLogEntry[];
  /** Lazily generated events of `feed` in the window; see `GroundTruthQuery` for the bounds. */
  groundTruth(feed: FeedKey, query: GroundTruthQuery): Generator<SimEvent>;
  /** The awareness-training snapshot an endpoint would page through at `at` (default: now). */
  awarenessSnapshot(
    kind: AwarenessSnapshotKind,
    options?: { at?: number; campaignId?: string; includeUserDetails?: boolean },
  ): LogRecord[];
  /** Every issued OAuth token expires now (simulates expiry mid-run). */
  expireAllTokens(): void;
  close(): Promise<void>;
}

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const resolved = resolveOptions(options);
  const { seed, clock } = resolved;
  const universe = new EventUniverse({
    seed,
    startOfData: resolved.startOfData,
    lateFraction: resolved.lateFraction,
    maxLateMs: resolved.maxLateMs,
    eventsPerDay: resolved.eventsPerDay,
  });
  const faults = new FaultInjector(seed);
  const tokens = new TokenStore(seed, () => clock.now());
  const requestLog = new RequestLog(resolved.maxRequestLog);
  // Filled in once both listeners have their ports.
  const urls = { api: "", file: "" };
  const context: SimContext = {
    options: resolved,
    clock,
    universe,
    batchFiles: new BatchFiles(universe, seed),
    tokens,
    faults,
    signer: new TokenSigner(`sim-cursor-${hashOf(seed, "cursor-secret")}`),
    fileUrlSecret: `sim-s3-${hashOf(seed, "file-url-secret")}`,
    requestLog,
    fileBaseUrl: () => urls.file,
    apiBaseUrl: () => urls.api,
  };
  const server = new SimulatorServer(context);
  await server.listen();
  urls.api = server.url;
  urls.file = server.fileBaseUrl;

  const oauth = resolved.applications.find((a) => a.kind === "oauth2");
  const hmac = resolved.applications.find((a) => a.kind === "hmac");
  const credentials: SimCredentials = {};
  if (oauth?.kind === "oauth2")
    credentials.oauth = { kind: "oauth2", clientId: oauth.clientId, clientSecret: oauth.clientSecret };
  if (hmac?.kind === "hmac") {
    credentials.hmac = {
      kind: "hmac",
      appId: hmac.appId,
      appKey: hmac.appKey,
      accessKey: hmac.accessKey,
      secretKey: hmac.secretKeyBase64,
    };
  }

  return {
    url: server.url,
    fileBaseUrl: server.fileBaseUrl,
    credentials,
    applications: resolved.applications,
    clock,
    faults: {
      inject: (rule) => faults.inject(rule),
      clear: () => faults.clear(),
      malformedLines: () => faults.malformedLines(),
    },
    requests: requestLog.entries,
    groundTruth: (feed, query) => groundTruth(universe, feed, query),
    awarenessSnapshot: (kind, snapshotOptions = {}) => {
      const at = snapshotOptions.at ?? clock.now();
      switch (kind) {
        case "performance":
          return performanceDetails(seed, at, snapshotOptions.includeUserDetails === true);
        case "safe-score":
          return safeScoreDetails(seed, at);
        case "watchlist":
          return watchlistDetails(seed, at);
        case "campaigns":
          return campaigns(seed, at);
        case "user-data":
          return campaignUserData(seed, at, snapshotOptions.campaignId ?? "") ?? [];
      }
    },
    expireAllTokens: () => tokens.expireAll(),
    close: () => server.close(),
  };
}
