/**
 * Benchmark: the JSON feeds' map → sink path, single-threaded — a page of records as the API serves it
 * (simulator ground truth, 500 per page) → JSON.parse → mapRecord → uploadSegment → the real
 * LogsIngestionSink (rows serialised once, gzip, SDK pipeline) → the lean 204 stand-in — against the raw
 * ceiling of the same records in the same run: JSON.parse of the page → JSON.stringify each record →
 * gzip per ≤ 1 MB body. Rounds alternate; medians.
 */
import { promisify } from "node:util";
import { gzip as gzipCallback } from "node:zlib";
import { FEEDS } from "../src/feeds";
import { mapRecord } from "../src/feeds/mapping";
import type { JsonWindowFeedSpec } from "../src/feeds/types";
import type { SegmentItem } from "../src/ingest/segment";
import { uploadSegment } from "../src/ingest/segment";
import { streamFor } from "../src/ingest/streams";
import { LogsIngestionSink } from "../src/sentinel/logsIngestionSink";
import { createMemoryLogger } from "../src/shared/logger";
import type { FeedKey } from "../simulator/index";
import { startSimulator } from "../simulator/index";
import { DCE, RULE_ID, recordingCredential } from "../test/sentinel/helpers";
import { leanService, median, timed } from "./pipeline";

const gzip = promisify(gzipCallback);
const PAGE = 500;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

export interface JsonFeedResult {
  feed: string;
  records: number;
  connectorEventsPerSec: number;
  rawEventsPerSec: number;
  ratio: number;
  /** The same in CPU time (robust to a loaded machine). */
  cpuRatio: number;
}

/** `count` records of every JSON-window feed, as page texts of 500 (what the client parses). */
async function pagesOf(count: number): Promise<Map<JsonWindowFeedSpec, string[]>> {
  const sim = await startSimulator({
    seed: 14,
    clock: { now: () => NOW },
    rateLimit: false,
    eventsPerDay: count,
  });
  try {
    const pages = new Map<JsonWindowFeedSpec, string[]>();
    for (const feed of FEEDS) {
      if (feed.source !== "json") continue;
      const records: unknown[] = [];
      for (const event of sim.groundTruth(feed.id as FeedKey, { from: NOW - 2 * DAY, to: NOW - DAY })) {
        records.push(event.record);
        if (records.length >= count) break;
      }
      const texts: string[] = [];
      for (let i = 0; i < records.length; i += PAGE) {
        texts.push(JSON.stringify({ meta: { status: 200 }, data: records.slice(i, i + PAGE), fail: [] }));
      }
      if (records.length > 0) pages.set(feed, texts);
    }
    return pages;
  } finally {
    await sim.close();
  }
}

async function runRaw(pages: readonly string[]): Promise<number> {
  let records = 0;
  let body: string[] = [];
  let bytes = 2;
  for (const page of pages) {
    for (const record of (JSON.parse(page) as { data: unknown[] }).data) {
      const json = JSON.stringify(record);
      records += 1;
      if (bytes + json.length + 1 > 1_000_000) {
        await gzip(`[${body.join(",")}]`);
        body = [];
        bytes = 2;
      }
      body.push(json);
      bytes += json.length + 1;
    }
  }
  if (body.length > 0) await gzip(`[${body.join(",")}]`);
  return records;
}

/** One sink (its SDK client, token and connections) for every run, as the runtime shares it per process. */
const sinkLogger = createMemoryLogger();
let sharedSink: LogsIngestionSink | undefined;

async function runConnector(feed: JsonWindowFeedSpec, pages: readonly string[]): Promise<number> {
  sharedSink ??= new LogsIngestionSink({
    endpoint: DCE,
    ruleId: RULE_ID,
    credential: recordingCredential(),
    logger: sinkLogger,
    clientOptions: { httpClient: leanService },
  });
  const sink = sharedSink;
  sinkLogger.lines.length = 0;
  const stream = streamFor(feed);
  let ingested = 0;
  for (const [p, page] of pages.entries()) {
    const records = (JSON.parse(page) as { data: Record<string, unknown>[] }).data;
    const items: SegmentItem[] = records.map((record, index) => ({
      position: index,
      sourcePosition: `${feed.id} page ${p} record ${index}`,
      mapped: mapRecord(feed, record),
      raw: record,
    }));
    const result = await uploadSegment({
      sink,
      stream,
      feedId: feed.id,
      items,
      progress: { safeThrough: 0, deadLetteredThrough: 0 },
      now: NOW,
    });
    if (result.failure) throw new Error(`${feed.id}: ${result.failure.message}`);
    ingested += result.counts.ingested;
  }
  return ingested;
}

export async function measureJsonFeeds(count: number, rounds: number): Promise<JsonFeedResult[]> {
  const results: JsonFeedResult[] = [];
  for (const [feed, pages] of await pagesOf(count)) {
    // Warm-up (JIT): twice, as for the SIEM paths — the figure is the steady state of a process.
    const expected = await runRaw(pages);
    for (let w = 0; w < 2; w += 1) {
      await runRaw(pages);
      if ((await runConnector(feed, pages)) !== expected) throw new Error(`${feed.id}: rows lost`);
    }
    const raw: number[] = [];
    const connector: number[] = [];
    const rawCpu: number[] = [];
    const connectorCpu: number[] = [];
    for (let r = 0; r < rounds; r += 1) {
      const base = await timed(() => runRaw(pages));
      raw.push(base.wallMs);
      rawCpu.push(base.cpuMs);
      const run = await timed(() => runConnector(feed, pages));
      connector.push(run.wallMs);
      connectorCpu.push(run.cpuMs);
      if (run.value !== expected) throw new Error(`${feed.id}: ${run.value} of ${expected} rows ingested`);
    }
    results.push({
      feed: feed.id,
      records: expected,
      connectorEventsPerSec: expected / (median(connector) / 1000),
      rawEventsPerSec: expected / (median(raw) / 1000),
      ratio: median(raw) / median(connector),
      cpuRatio: median(rawCpu) / median(connectorCpu),
    });
  }
  return results;
}
