/**
 * Shared setup for feed ingestion tests: a seeded simulator and the connector's own client on one fake
 * clock, and the Logs Ingestion fake declaring every stream the connector writes (so a row that does not
 * match its table's columns is refused, as the real DCR would).
 */
import { FEEDS } from "../../src/feeds/index";
import type { FeedSpecBase } from "../../src/feeds/types";
import { allTableStreams, streamFor } from "../../src/ingest/streams";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { resetRateLimiterRegistry } from "../../src/mimecast/rateLimiter";
import type { Sink } from "../../src/sentinel/sink";
import type { SentinelRow, StreamSchema } from "../../src/sentinel/streams";
import { FakeClock } from "../../src/shared/clock";
import type { Simulator, SimulatorOptions } from "../../simulator/index";
import { startSimulator } from "../../simulator/index";
import type { LogsIngestionFake } from "../fakes/logsIngestionFake";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import { RULE_ID, sinkFor } from "../sentinel/helpers";

/** Monday 2024-11-18 12:07:00 UTC. */
export const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface FeedHarness {
  sim: Simulator;
  clock: FakeClock;
  /** OAuth 2.0 client (or API 1.0 HMAC keys with `hmac`). */
  client(kind?: "oauth" | "hmac"): MimecastClient;
  fake: LogsIngestionFake;
  sink: Sink;
  stream(feed: FeedSpecBase): StreamSchema;
  rows(feed: FeedSpecBase): SentinelRow[];
}

export async function withFeedHarness(
  options: Partial<SimulatorOptions>,
  body: (h: FeedHarness) => Promise<void>,
): Promise<void> {
  resetRateLimiterRegistry();
  const clock = new FakeClock(NOW);
  const sim = await startSimulator({ seed: 42, clock, rateLimit: false, ...options });
  const fake = createLogsIngestionFake({
    streams: allTableStreams(FEEDS).map((t) => t.stream),
    ruleId: RULE_ID,
  });
  const sink: Sink = sinkFor(fake).sink;
  try {
    await body({
      sim,
      clock,
      client: (kind = "oauth") =>
        new MimecastClient({
          baseUrl: sim.url,
          credentials: staticCredentials(kind === "oauth" ? sim.credentials.oauth! : sim.credentials.hmac!),
          clock,
          allowInsecureHttp: true,
          fileHostAllowlist: ["127.0.0.1"],
          timeoutMs: 5_000,
          random: () => 0.5,
        }),
      fake,
      sink,
      stream: (feed) => streamFor(feed),
      rows: (feed) => fake.acceptedRows(streamFor(feed).streamName),
    });
  } finally {
    await sim.close();
  }
}

/** Values of `field`, sorted, for set comparisons that also catch duplicates. */
export function sortedBy(rows: readonly SentinelRow[], field: string): string[] {
  return rows.map((r) => String(r[field])).sort();
}
