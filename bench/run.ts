/**
 * `npm run bench` (add `-- --quick` for a shorter check): the figures of issue 5 §2, one line each with
 * its target beside it. Every figure is a ratio against a baseline measured in the same run, or a count
 * (simulated time counts too: it is what the simulator's clock says, not what this machine took).
 * Nothing here is asserted inside `npm test`. `-- --only throughput|json|memory|backfill|freshness` runs one section
 * (with `--quick` or without: without it the memory files are 10 MB, 100 MB and 1 GB).
 */
import os from "node:os";
import { resolve } from "node:path";
import { measureColdStart } from "./coldStart";
import { MINUTE, measureBackfill, measureFreshness, measureStreamRate } from "./localRuns";
import { measureJsonFeeds } from "./jsonFeeds";
import { SIEM_PATHS, measureEndToEnd, measurePipelineRss } from "./pipeline";
import { measureThroughput } from "./siemFileParse";
import { SIEM_STREAM_MAX_PAGE_SIZE } from "../src/feeds/siemStream";
import { MAX_DIGEST_ENTRIES } from "../src/ingest/digest";
import { MAX_STREAM_DIGEST } from "../src/ingest/siemOwner";
import type { StoreFigures } from "../src/localhost/storeFigures";
import { HISTORY_KINDS, largestPayload } from "../src/localhost/storeFigures";
import { MAX_BATCHES_PER_GENERATION } from "../src/orchestrators/dispatch";
import { sweepAges } from "../src/planning/sweeps";
import { DEFAULT_STREAM_RATE_LIMIT } from "../simulator/core/options";

const MB = 1024 * 1024;
let missed = 0;

/** One figure: name, value, target, and whether it is met (undefined: a count with no target). */
function line(name: string, value: string, target: string, met: boolean | undefined): void {
  const verdict = met === undefined ? "reported" : met ? "met" : "MISSED";
  if (met === false) missed += 1;
  console.log(`  ${name.padEnd(58)} ${value.padEnd(24)} target ${target.padEnd(20)} ${verdict}`);
}

const section = (title: string): void => console.log(`\n${title}`);
const minutes = (ms: number): string => `${(ms / MINUTE).toFixed(1)} min`;

/**
 * `--only throughput|json|memory|backfill|freshness`: that section alone (a single figure measured quickly on
 * a busy machine); `backfill` includes API efficiency, `freshness` the SIEM stream section.
 */
const ONLY = ["throughput", "json", "memory", "backfill", "freshness"] as const;
type Only = (typeof ONLY)[number];

function onlyOption(): Only | undefined {
  const at = process.argv.indexOf("--only");
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  if (!ONLY.includes(value as Only))
    throw new Error(`--only takes one of ${ONLY.join(", ")}, got ${value ?? "nothing"}`);
  return value as Only;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const only = onlyOption();
  const want = (name: Only): boolean => only === undefined || only === name;
  const started = performance.now();
  const cpus = os.cpus();
  console.log(`mimecast-sentinel benchmarks${quick ? " (--quick)" : ""} — ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpus.length} × ${cpus[0]?.model ?? "cpu"}, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ` +
      `node ${process.version}, load average ${os.loadavg()[0]?.toFixed(1) ?? "?"}`,
  );

  let batchEventsPerSec = 0;
  if (want("throughput")) {
    section(
      "SIEM batch file throughput — download → parse → map → chunk → gzip → Logs Ingestion (single thread)",
    );
    console.log(`  load average at the start of this section: ${os.loadavg()[0]?.toFixed(1) ?? "?"}`);
    for (const kind of ["cg", "ci"] as const) {
      const e2e = await measureEndToEnd(quick ? 20 * MB : 100 * MB, quick ? 5 : 7, kind);
      if (kind === "cg") batchEventsPerSec = e2e.connectorEventsPerSec;
      console.log(
        `  ${kind.toUpperCase()} ${SIEM_PATHS[kind].type}: ${e2e.lines} events (${e2e.uncompressedMB.toFixed(0)} MB uncompressed): ` +
          `connector ${Math.round(e2e.connectorEventsPerSec)} ev/s, raw ceiling ${Math.round(e2e.rawEventsPerSec)} ev/s ` +
          `(load average now ${os.loadavg()[0]?.toFixed(1) ?? "?"})`,
      );
      line(
        `${kind.toUpperCase()} events/s, connector ÷ raw ceiling (same machine)`,
        `${e2e.ratio.toFixed(2)}×`,
        "≥ 0.80×",
        e2e.ratio >= 0.8,
      );
      line(
        `${kind.toUpperCase()} same in CPU time (load-proof)`,
        `${e2e.cpuRatio.toFixed(2)}×`,
        "—",
        undefined,
      );
      line(
        `${kind.toUpperCase()} same, one round into the validating fake (${(e2e.fakeShare * 100).toFixed(0)}% in it)`,
        `${e2e.ratioWithFake.toFixed(2)}×`,
        "—",
        undefined,
      );
    }
    const parse = await measureThroughput(quick ? 20 * MB : 100 * MB, quick ? 3 : 5);
    line("download + parse only, client ÷ raw (breakdown)", `${parse.ratio.toFixed(2)}×`, "—", undefined);
  }

  if (want("json")) {
    section(
      "JSON feeds — page → map → segment → sink body (single thread), against parse → stringify → gzip",
    );
    for (const result of await measureJsonFeeds(quick ? 10_000 : 50_000, quick ? 3 : 5)) {
      line(
        `${result.feed}: ${result.records} records, connector ÷ raw ceiling`,
        `${result.ratio.toFixed(2)}× (CPU ${result.cpuRatio.toFixed(2)}×)`,
        "≥ 0.80×",
        result.ratio >= 0.8,
      );
    }
  }

  if (want("memory")) {
    section("Memory — peak RSS of one batch file through the same pipeline (child processes)");
    const sizes = quick ? [10 * MB, 30 * MB, 100 * MB] : [10 * MB, 100 * MB, 1024 * MB];
    const peaks = [];
    for (const size of sizes) {
      const peak = await measurePipelineRss(size);
      peaks.push(peak);
      line(
        `peak RSS, ${peak.uncompressedMB.toFixed(0)} MB file (${peak.lines} events)`,
        `${peak.peakRssMB.toFixed(0)} MB`,
        "≤ 256 MB",
        peak.peakRssMB <= 256,
      );
    }
    const middle = peaks[1]!;
    const largest = peaks[2]!;
    // Flat: V8 sizes its heap lazily, so the first tens of MB appear between a tiny and a medium file;
    // between medium and large the peak must stay put.
    const growth = largest.peakRssMB - middle.peakRssMB;
    line(
      `peak RSS growth, ${(largest.lines / middle.lines).toFixed(0)}× the events`,
      `${growth >= 0 ? "+" : ""}${growth.toFixed(0)} MB`,
      "≤ 32 MB (flat)",
      growth <= 32,
    );
  }
  if (want("backfill")) await backfillSections(quick);
  if (only !== undefined && only !== "freshness") return finish(started);
  await freshnessSections(batchEventsPerSec);
  if (only !== undefined) return finish(started);
  coldStartSection(quick);
  finish(started);
}

async function backfillSections(quick: boolean): Promise<void> {
  section("Backfill vs the rate-limit floor — local host, simulator quota, simulated clock");
  const quota = { limit: 10, windowMs: MINUTE };
  const days = quick ? 14 : 60;
  const backfill = await measureBackfill({
    feeds: "ttp-url,ttp-attachment,ttp-impersonation,audit,siem-cg",
    days,
    quota,
  });
  const busiest = backfill.calls.get(backfill.busiestFamily);
  console.log(
    `  ${days} days of TTP/audit and ${Math.min(days, 7)} of SIEM (receipt…journal), ${backfill.events} events, ` +
      `quota ${quota.limit} calls per ${quota.windowMs / 1000} s per family; busiest family ${backfill.busiestFamily}: ` +
      `${busiest?.ok ?? 0} calls → floor ${minutes(backfill.floorMs)}; caught up after ${minutes(backfill.simulatedMs)} ` +
      `(${backfill.cycles} cycles)`,
  );
  line(
    "backfill time ÷ floor (calls needed ÷ quota)",
    `${backfill.ratio.toFixed(2)}×`,
    "≤ 1.2×",
    backfill.ratio <= 1.2,
  );
  line(
    "most 429s in one reset period (any family)",
    String(backfill.max429PerWindow),
    "≤ 1",
    backfill.max429PerWindow <= 1,
  );
  line(
    "events accepted twice during the backfill",
    String(backfill.duplicates),
    "0",
    backfill.duplicates === 0,
  );
  storeFigureLines(backfill.store);

  section("API efficiency — Mimecast calls per 10,000 events (largest page sizes), from the backfill");
  for (const e of backfill.efficiency) {
    const what = e.fileDownloads > 0 ? `, + ${e.fileDownloads} file downloads` : "";
    line(
      `${e.feed} (${e.family}): ${e.calls} calls for ${e.events} events${what}`,
      `${e.per10k.toFixed(1)} per 10k`,
      e.family.startsWith("siem-batch") ? "—" : "≥ 20 (500/page)",
      undefined,
    );
  }
}

/** A full digest (MAX_DIGEST_ENTRIES 4-byte hashes, base64) as a JSON string: the value kept out of histories. */
const FULL_DIGEST_BYTES = Math.ceil((MAX_DIGEST_ENTRIES * 4) / 3) * 4 + 2;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** Read from the engine's store (what it committed), not from the connector's counters. */
function storeFigureLines(figures: StoreFigures): void {
  const history = figures.largestHistory;
  console.log(
    `  from the engine's store: the largest history is a generation of ${history?.instanceId ?? "none"}; ` +
      `a generation runs at most ${MAX_BATCHES_PER_GENERATION} batches (MAX_BATCHES_PER_GENERATION), ` +
      `digests go to entities, never through histories`,
  );
  line(
    "largest history of one generation (events, UTF-8 JSON)",
    history ? `${history.events} ev, ${kb(history.bytes)}` : "—",
    `≤ ${MAX_BATCHES_PER_GENERATION} batches`,
    undefined,
  );
  const inHistory = largestPayload(figures, HISTORY_KINDS);
  line(
    `largest payload in a history: ${inHistory?.kind ?? "none"}`,
    kb(inHistory?.bytes ?? 0),
    `< digest ${kb(FULL_DIGEST_BYTES)}`,
    (inHistory?.bytes ?? 0) < FULL_DIGEST_BYTES,
  );
  const any = largestPayload(figures);
  line(`largest payload in the store: ${any?.kind ?? "none"}`, kb(any?.bytes ?? 0), "—", undefined);
}

async function freshnessSections(batchEventsPerSec: number): Promise<void> {
  section("Freshness — continuous mode, schedule 0 * * * * *, publish → accepted on the simulated clock");
  // The same span in both modes: a longer one slowed down far more than linearly (see docs/benchmarks.md).
  const span = { warmupMs: 10 * MINUTE, measureMs: 20 * MINUTE, drainMs: 20 * MINUTE };
  const feeds = ["ttp-url", "audit", "siem-cg", "siem-ci"];
  // SIEM rates are per type: 20,000 events/day for each of CG's 10 and CI's 3 (MIMECAST_SIEM_PATH=auto).
  const eventsPerDay = { "ttp-url": 20_000, audit: 20_000, "siem-cg": 20_000, "siem-ci": 20_000 };
  const fresh = await measureFreshness({ feeds, lagSeconds: 60, ...span, eventsPerDay });
  const noLag = await measureFreshness({ feeds, lagSeconds: 0, ...span, eventsPerDay });
  line(
    "p50 / p95, all feeds, default lag (60 s) + late-event sweep",
    `${minutes(fresh.p50Ms)} / ${minutes(fresh.p95Ms)}`,
    "p95 ≤ 2 min",
    fresh.p95Ms <= 2 * MINUTE,
  );
  for (const [i, f] of fresh.byFeed.entries()) {
    const z = noLag.byFeed[i]!;
    line(
      `${f.feed}: p50 / p95 (lag 60 s), ${f.events} events`,
      `${minutes(f.p50Ms)} / ${minutes(f.p95Ms)}`,
      "p95 ≤ 2 min",
      f.p95Ms <= 2 * MINUTE,
    );
    line(`${f.feed}: p95 with lag 0 (what the lag contributes)`, minutes(z.p95Ms), "—", undefined);
    line(
      `${f.feed}: published, not delivered within the run (lag 60 s / 0)`,
      `${f.notDelivered} / ${z.notDelivered}`,
      "0",
      f.notDelivered === 0 && z.notDelivered === 0,
    );
    if (f.fromFileP95Ms !== undefined) {
      line(
        `${f.feed}: p95 from its 15-min batch file being listed`,
        minutes(f.fromFileP95Ms),
        "—",
        undefined,
      );
    }
  }

  section("SIEM: event stream beside batch — one application, the simulator's stream quota");
  const streamQuota = DEFAULT_STREAM_RATE_LIMIT.limit / (DEFAULT_STREAM_RATE_LIMIT.windowMs / 1000);
  const streamCallsPerSec = fresh.streamCalls / (fresh.spanMs / 1000);
  line(
    "stream calls at 20,000 events/day × 13 types ÷ the stream quota",
    `${(streamCallsPerSec * 60).toFixed(1)} / ${(streamQuota * 60).toFixed(0)} per min`,
    "< 1×",
    streamCallsPerSec < streamQuota,
  );
  // A full page brings pageSize − repeats new events; each event is read once forward and once per sweep
  // (event-time order; under arrival order sweeps find nothing but cost the same calls).
  const perCall = (SIEM_STREAM_MAX_PAGE_SIZE - 2) / (1 + sweepAges(2 * 60 * MINUTE).length);
  const quotaBound = streamQuota * perCall;
  // The stream reconciles by digest: at most MAX_STREAM_DIGEST events per type inside the late horizon
  // plus two buckets; above that rate a type goes back to batch.
  const perTypeBound = MAX_STREAM_DIGEST / ((2 * 60 + 30) * 60);
  line(
    "largest sustained stream rate, one application (computed from the quota)",
    `${quotaBound.toFixed(0)} ev/s`,
    "—",
    undefined,
  );
  line(
    "largest sustained stream rate per SIEM type (reconciliation)",
    `${perTypeBound.toFixed(2)} ev/s (${Math.round(perTypeBound * 86_400)}/day)`,
    "≥ 0.23 (20k/day)",
    perTypeBound >= 20_000 / 86_400,
  );
  // Measured, not computed: CG's 10 types on the stream alone at rising rates (bench/localRuns.ts).
  const steps = await measureStreamRate([20_000, 28_000, 40_000]);
  for (const step of steps) {
    line(
      `stream only, ${step.types} types × ${step.perTypePerDay.toLocaleString("en-US")}/day: delivered / offered, p95, calls`,
      `${step.deliveredPerSec.toFixed(2)} / ${step.offeredPerSec.toFixed(2)} ev/s, ${minutes(step.p95Ms)}, ${step.streamCallsPerMin.toFixed(0)}/min`,
      "—",
      undefined,
    );
  }
  const sustained = steps.filter((s) => s.keptUp).at(-1);
  // A 40-minute step cannot fill the digest, which covers 2.5 h: its bound (per type) caps the figure.
  const sustainedPerSec = sustained
    ? Math.min(sustained.deliveredPerSec, perTypeBound * sustained.types)
    : undefined;
  line(
    "largest sustained stream rate, 10 CG types (measured step, capped by the digest bound)",
    sustained && sustainedPerSec !== undefined
      ? `${sustainedPerSec.toFixed(2)} ev/s (step ${sustained.perTypePerDay.toLocaleString("en-US")}/day kept up)`
      : "none of the steps kept up",
    "≥ 2.31 ev/s (10 × 20k/day)",
    sustainedPerSec !== undefined && sustainedPerSec >= (10 * 20_000) / 86_400,
  );
  for (const step of steps)
    if (!step.keptUp)
      line(
        `  step ${step.perTypePerDay.toLocaleString("en-US")}/day did not keep up`,
        `${step.notDelivered} not delivered, p95 ${minutes(step.p95Ms)}`,
        "—",
        undefined,
      );
  line(
    "batch beside it: connector events/s (files are not rate-limited)",
    batchEventsPerSec > 0 ? `${Math.round(batchEventsPerSec)} ev/s` : "not measured (--only)",
    "—",
    undefined,
  );
}

function coldStartSection(quick: boolean): void {
  section("Cold start and package");
  const cold = measureColdStart(resolve(__dirname, "../.."), quick ? 5 : 11);
  line(
    `fresh node loading dist/src/index.js (median of ${cold.runs})`,
    `${cold.entryProcessMs.toFixed(0)} ms (require ${cold.entryRequireMs.toFixed(0)})`,
    "—",
    undefined,
  );
  line(
    "same ÷ loading an empty module",
    `${cold.ratio.toFixed(1)}× (${cold.emptyProcessMs.toFixed(0)} ms)`,
    "—",
    undefined,
  );
  line(
    "deployment package (npm run package)",
    `${(cold.packageBytes / MB).toFixed(1)} MiB, ${cold.packageFiles} files`,
    "—",
    undefined,
  );
}

function finish(started: number): void {
  console.log(
    `\n${missed === 0 ? "every target met" : `${missed} target(s) MISSED`} — ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
