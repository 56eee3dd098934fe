/**
 * Shared setup for the ingestion-unit tests: a seeded simulator on a manual clock, a Mimecast client on
 * its own fake clock (so client back-off sleeps never move the simulator's time), the Logs Ingestion
 * fake behind a real LogsIngestionSink, and helpers that compare what Sentinel holds with the ground
 * truth as multisets of EventIds.
 */
import assert from "node:assert/strict";
import type { FeedSpecBase } from "../../src/feeds/types";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { IngestCounts, UnitOutcome } from "../../src/ingest/types";
import { addCounts, zeroCounts } from "../../src/ingest/types";
import type { MimecastClientOptions } from "../../src/mimecast/client";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { resetRateLimiterRegistry } from "../../src/mimecast/rateLimiter";
import type { SentinelRow } from "../../src/sentinel/streams";
import { FakeClock } from "../../src/shared/clock";
import type { Simulator, SimulatorOptions } from "../../simulator/index";
import { manualClock, startSimulator } from "../../simulator/index";
import type { LogsIngestionFake } from "../fakes/logsIngestionFake";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import { NOW } from "../helpers/sim-fixtures";
import { RULE_ID, sinkFor } from "../sentinel/helpers";
import type { LogsIngestionSink } from "../../src/sentinel/logsIngestionSink";

export { DAY, HOUR, NOW } from "../helpers/sim-fixtures";

export interface World {
  sim: Simulator;
  /** The Mimecast client's clock (back-off and rate-limit sleeps advance it, not the simulator's). */
  clock: FakeClock;
  client: MimecastClient;
  fake: LogsIngestionFake;
  sink: LogsIngestionSink;
  close(): Promise<void>;
}

/** A simulator at NOW (rate limits off unless asked), a client against it and a Sentinel fake for `feeds`. */
export async function startWorld(
  feeds: readonly FeedSpecBase[],
  simOptions: Partial<SimulatorOptions> = {},
  clientOptions: Partial<MimecastClientOptions> = {},
): Promise<World> {
  resetRateLimiterRegistry();
  const sim = await startSimulator({ seed: 42, clock: manualClock(NOW), rateLimit: false, ...simOptions });
  const clock = new FakeClock(NOW);
  const client = new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(sim.credentials.oauth!),
    clock,
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 5_000,
    backoff: { maxRetries: 1 },
    random: () => 0.5,
    ...clientOptions,
  });
  const fake = createLogsIngestionFake({
    streams: [...feeds.map((feed) => streamFor(feed)), DEAD_LETTER_STREAM],
    ruleId: RULE_ID,
  });
  const { sink } = sinkFor(fake);
  return { sim, clock, client, fake, sink, close: () => sim.close() };
}

export interface Run<R> {
  outcomes: UnitOutcome<R>[];
  counts: IngestCounts;
  last: UnitOutcome<R>;
}

/**
 * Runs a unit again and again from each outcome's resume point, as the orchestrator would, until it
 * completes. `between` runs before every retry (e.g. to clear a fault). Bounded by `maxRuns`.
 */
export async function runToCompletion<R>(
  start: R | undefined,
  unit: (resume: R | undefined) => Promise<UnitOutcome<R>>,
  options: { maxRuns?: number; between?: (outcome: UnitOutcome<R>) => void } = {},
): Promise<Run<R>> {
  const outcomes: UnitOutcome<R>[] = [];
  let counts = zeroCounts();
  let resume = start;
  for (let run = 0; run < (options.maxRuns ?? 500); run += 1) {
    const outcome = await unit(resume);
    outcomes.push(outcome);
    counts = addCounts(counts, outcome.counts);
    if (outcome.kind === "completed") return { outcomes, counts, last: outcome };
    if (outcome.kind === "failed" && !outcome.retryable) {
      assert.fail(`unit failed permanently: ${outcome.reason}`);
    }
    options.between?.(outcome);
    resume = outcome.resume;
  }
  return assert.fail(`unit did not complete within ${options.maxRuns ?? 500} runs`);
}

export const eventIds = (rows: readonly SentinelRow[]): string[] => rows.map((row) => String(row["EventId"]));

/** How often each value occurs. */
export function tally(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

/**
 * Sentinel holds exactly `expected` (none missing, none unexpected); duplicates only among
 * `mayRepeat`, and each of those at most twice. Returns the ids that occur twice.
 */
export function assertExactly(
  actual: readonly string[],
  expected: readonly string[],
  mayRepeat: ReadonlySet<string> = new Set(),
): string[] {
  const want = tally(expected);
  assert.equal(want.size, expected.length, "the expected ids are distinct (test precondition)");
  const got = tally(actual);
  const missing = [...want.keys()].filter((id) => !got.has(id));
  const unexpected = [...got.keys()].filter((id) => !want.has(id));
  const twice = [...got.entries()].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(missing, [], `${missing.length} of ${expected.length} missing`);
  assert.deepEqual(unexpected, [], `${unexpected.length} unexpected`);
  const forbidden = twice.filter((id) => !mayRepeat.has(id) || (got.get(id) ?? 0) > 2);
  assert.deepEqual(forbidden, [], `${forbidden.length} sent twice that were not ambiguous`);
  return twice;
}

/** The ids of the rows in the requests the fake stored but answered with a timeout (the ambiguous ones). */
export function rowsOfTimedOutRequests(fake: LogsIngestionFake, stream: string): Set<string> {
  const ids = new Set<string>();
  let offset = 0;
  const rows = fake.acceptedRows(stream);
  for (const request of fake.requests) {
    if (request.stream !== stream) continue;
    const stored = request.status === 204 || request.status === "timeout";
    if (!stored) continue;
    const slice = rows.slice(offset, offset + request.records);
    if (request.status === "timeout") for (const id of eventIds(slice)) ids.add(id);
    offset += request.records;
  }
  return ids;
}
