/**
 * Benchmark: one SIEM batch file (CG or CI) end to end through the connector's real unit —
 * `ingestSiemBatch` (listing → presigned download → gunzip → NDJSON → mapRecord → segment → chunk → the
 * LogsIngestionSink's body building and gzip → the SDK pipeline) — against the raw ceiling of the same
 * machine in the same run (http → gunzip → split → JSON.parse → JSON.stringify → gzip, no connector
 * code), rounds alternating.
 *
 * Timed rounds answer every request at once with 204 after taking the body (a lean stand-in: Azure's
 * own work happens on Azure, not on our instance, and the raw ceiling has no receiver either). One more
 * round goes through the validating Logs Ingestion fake, which decodes and checks every row as the
 * service would: it proves the rows are right, and its ratio is printed beside the figure.
 * Memory: peak RSS of a child process pushing one file of a given size through the same pipeline.
 */
import { spawnSync } from "node:child_process";
import { createReadStream, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { createGunzip, gzip as gzipCallback } from "node:zlib";
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { siemCgFeed, siemCiFeed } from "../src/feeds/siem";
import type { SiemBatchFeedSpec } from "../src/feeds/types";
import { ingestSiemBatch } from "../src/ingest/siemBatch";
import { DEAD_LETTER_STREAM, streamFor } from "../src/ingest/streams";
import { MimecastClient } from "../src/mimecast/client";
import { staticCredentials } from "../src/mimecast/credentials";
import { SIEM_BATCH_PATH } from "../src/mimecast/endpoints";
import type { SiemBatchKind } from "../src/mimecast/endpoints";
import { resetRateLimiterRegistry } from "../src/mimecast/rateLimiter";
import type { Sink, UploadOptions, UploadOutcome } from "../src/sentinel/sink";
import type { SentinelRow, StreamSchema } from "../src/sentinel/streams";
import { createLogsIngestionFake } from "../test/fakes/logsIngestionFake";
import type { LogsIngestionFake } from "../test/fakes/logsIngestionFake";
import { RULE_ID, sinkFor } from "../test/sentinel/helpers";
import { ensureBatchFile } from "./siemFileParse";
import type { BatchShape } from "./siemFileParse";

const gzip = promisify(gzipCallback);

/** The SIEM paths measured: a CG receipt file and a CI entities file (nested arrays and objects). */
export const SIEM_PATHS: Record<SiemBatchKind, { feed: SiemBatchFeedSpec; type: string; shape: BatchShape }> =
  {
    cg: { feed: siemCgFeed, type: "receipt", shape: "cg-receipt" },
    ci: { feed: siemCiFeed, type: "entities", shape: "ci-entities" },
  };

const filePath = (kind: SiemBatchKind): string =>
  `/mimecast-siem-batch/${SIEM_PATHS[kind].type}/2024-11-18/file-0001.json.gz`;

/**
 * A loopback stand-in for Mimecast serving exactly one batch file: the OAuth token endpoint, the batch
 * listing of `kind` (one page, caught up) and the presigned file itself.
 */
export async function serveBatchApi(
  path: string,
  kind: SiemBatchKind = "cg",
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const FILE_PATH = filePath(kind);
  const size = statSync(path).size;
  let base = "";
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", base);
    if (req.method === "POST" && url.pathname === "/oauth/token") {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ access_token: "bench-access-token", token_type: "Bearer", expires_in: 1800 }));
    } else if (url.pathname === SIEM_BATCH_PATH[kind]) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          value: [{ url: `${base}${FILE_PATH}?X-Amz-Signature=bench`, expiry: "2099-01-01T00:00:00Z", size }],
          "@nextPage": "bench-cursor-1",
          isCaughtUp: true,
        }),
      );
    } else if (url.pathname === FILE_PATH) {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": size });
      createReadStream(path).pipe(res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: base,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The real sink in front of the fake, forgetting what the fake stored after each upload so memory
 * measures the connector, not the fake's archive; counts rows and the time the fake spent.
 */
class CountingSink implements Sink {
  accepted = 0;
  readonly sendsPrepared: boolean;
  constructor(
    private readonly inner: Sink,
    private readonly forget: () => void,
  ) {
    this.sendsPrepared = inner.sendsPrepared === true;
  }
  async upload(
    stream: StreamSchema,
    rows: readonly SentinelRow[],
    options?: UploadOptions,
  ): Promise<UploadOutcome> {
    const outcome = await this.inner.upload(stream, rows, options);
    this.accepted += outcome.accepted;
    this.forget();
    return outcome;
  }
}

export interface PipelineRun {
  records: number;
  /** Milliseconds spent inside the receiving end (the fake decoding and validating): the service's share. */
  fakeMs: number;
  requests: number;
}

/** Answers 204 to every request once it has the body: Azure's work is not ours to time. */
export const leanService: HttpClient = {
  sendRequest: (request) => {
    if (!Buffer.isBuffer(request.body)) throw new Error("the sink sent no gzip body");
    return Promise.resolve({ request, status: 204, headers: createHttpHeaders() });
  },
};

/**
 * What a process keeps between units, as the runtime does (one Mimecast client with its token, one
 * Logs Ingestion sink with its SDK client and connections): built on the first run of a (server, kind,
 * receiver), reused by the next, so a timed run measures a unit of work, not a cold start.
 */
interface Harness {
  client: MimecastClient;
  sink: CountingSink;
  fake: LogsIngestionFake;
  /** Per-run tallies of the receiving end. */
  tally: { fakeMs: number; requests: number };
}

const harnesses = new Map<string, Harness>();

function harnessFor(baseUrl: string, kind: SiemBatchKind, service: "fake" | "lean"): Harness {
  const key = `${baseUrl} ${kind} ${service}`;
  const known = harnesses.get(key);
  if (known) return known;
  const { feed } = SIEM_PATHS[kind];
  const stream = streamFor(feed);
  const fake = createLogsIngestionFake({ streams: [stream, DEAD_LETTER_STREAM], ruleId: RULE_ID });
  const receiver = service === "fake" ? fake.httpClient : leanService;
  const tally = { fakeMs: 0, requests: 0 };
  const timed = {
    sendRequest: async (...args: Parameters<HttpClient["sendRequest"]>) => {
      const started = performance.now();
      try {
        return await receiver.sendRequest(...args);
      } finally {
        tally.fakeMs += performance.now() - started;
        tally.requests += 1;
      }
    },
  };
  const { sink: real, logs } = sinkFor({ ...fake, httpClient: timed });
  const sink = new CountingSink(real, () => {
    fake.accepted.clear();
    fake.requests.length = 0;
    logs.length = 0;
  });
  const client = new MimecastClient({
    baseUrl,
    credentials: staticCredentials({ kind: "oauth2", clientId: "bench", clientSecret: "bench-secret" }),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 60_000,
  });
  const harness = { client, sink, fake, tally };
  harnesses.set(key, harness);
  return harness;
}

/**
 * One file through `ingestSiemBatch` into the validating fake (`service: "fake"`) or the lean stand-in;
 * throws unless every line became a row.
 */
export async function runPipeline(
  baseUrl: string,
  kind: SiemBatchKind = "cg",
  service: "fake" | "lean" = "fake",
): Promise<PipelineRun> {
  resetRateLimiterRegistry();
  const { feed, type } = SIEM_PATHS[kind];
  const { client, sink, tally } = harnessFor(baseUrl, kind, service);
  tally.fakeMs = 0;
  tally.requests = 0;
  sink.accepted = 0;
  const outcome = await ingestSiemBatch({
    client,
    feed,
    type,
    sink,
    stream: streamFor(feed),
    fromDay: "2024-11-18",
    toDay: "2024-11-18",
    now: () => Date.now(),
  });
  if (outcome.kind !== "completed") throw new Error(`pipeline did not complete: ${JSON.stringify(outcome)}`);
  if (outcome.counts.deadLettered > 0) throw new Error(`${outcome.counts.deadLettered} lines dead-lettered`);
  return { records: sink.accepted, fakeMs: tally.fakeMs, requests: tally.requests };
}

/** Raw ceiling: http → gunzip → split → JSON.parse → JSON.stringify → gzip per ≤ 1 MB body. */
export async function runRawCeiling(fileUrl: string): Promise<number> {
  const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
    http.get(fileUrl, resolve).on("error", reject),
  );
  const gunzip = createGunzip();
  res.pipe(gunzip);
  gunzip.setEncoding("utf8");
  let carry = "";
  let records = 0;
  let body: string[] = [];
  let bytes = 2;
  const flush = async (): Promise<void> => {
    if (body.length === 0) return;
    await gzip(`[${body.join(",")}]`);
    body = [];
    bytes = 2;
  };
  const take = async (line: string): Promise<void> => {
    if (line.length === 0) return;
    const json = JSON.stringify(JSON.parse(line));
    records += 1;
    if (bytes + json.length + 1 > 1_000_000) await flush();
    body.push(json);
    bytes += json.length + 1;
  };
  for await (const chunk of gunzip as AsyncIterable<string>) {
    const parts = (carry + chunk).split("\n");
    carry = parts.pop() ?? "";
    for (const part of parts) await take(part);
  }
  await take(carry);
  await flush();
  return records;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/**
 * Wall-clock and CPU milliseconds of one run. CPU time (this process, every thread: the zlib pool too)
 * is what a shared machine cannot inflate by making the run wait for a core; on an idle machine the two
 * ratios agree.
 */
export async function timed<T>(run: () => Promise<T>): Promise<{ value: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const value = await run();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { value, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

export interface EndToEndResult {
  kind: SiemBatchKind;
  lines: number;
  uncompressedMB: number;
  connectorEventsPerSec: number;
  rawEventsPerSec: number;
  /** Connector ÷ raw, wall clock, lean receiver (the figure of issue 14). */
  ratio: number;
  /** The same in CPU time (robust to a loaded machine). */
  cpuRatio: number;
  /** Connector ÷ raw in the one round through the validating fake (its decoding included). */
  ratioWithFake: number;
  /** Share of that round spent inside the fake. */
  fakeShare: number;
  requestsPerRun: number;
}

/** Untimed runs of each side before the timed rounds. */
const WARM_UP_RUNS = 2;

export async function measureEndToEnd(
  targetBytes: number,
  rounds: number,
  kind: SiemBatchKind = "cg",
): Promise<EndToEndResult> {
  const file = await ensureBatchFile(targetBytes, SIEM_PATHS[kind].shape);
  const api = await serveBatchApi(file.path, kind);
  const fileUrl = `${api.baseUrl}${filePath(kind)}`;
  const check = (what: string, count: number): void => {
    if (count !== file.lines) throw new Error(`${what} saw ${count} of ${file.lines} lines`);
  };
  try {
    const raw: number[] = [];
    const connector: number[] = [];
    const rawCpu: number[] = [];
    const connectorCpu: number[] = [];
    let requests = 0;
    // Warm-up (JIT, sockets): the connector has far more code than the ceiling to get optimised, and a
    // process runs unit after unit; the figure is the steady state, not the first run.
    for (let w = 0; w < WARM_UP_RUNS; w += 1) {
      await runRawCeiling(fileUrl);
      await runPipeline(api.baseUrl, kind, "lean");
    }
    for (let r = 0; r < rounds; r += 1) {
      // Alternate so drift (thermal, other load) hits both sides alike.
      const base = await timed(() => runRawCeiling(fileUrl));
      check("raw ceiling", base.value);
      raw.push(base.wallMs);
      rawCpu.push(base.cpuMs);
      const run = await timed(() => runPipeline(api.baseUrl, kind, "lean"));
      check("connector", run.value.records);
      connector.push(run.wallMs);
      connectorCpu.push(run.cpuMs);
      requests = run.value.requests;
    }
    // The validating round, right after a raw one for its own ratio.
    let t = performance.now();
    check("raw ceiling", await runRawCeiling(fileUrl));
    const rawBeside = performance.now() - t;
    t = performance.now();
    const validated = await runPipeline(api.baseUrl, kind, "fake");
    const validatedMs = performance.now() - t;
    check("connector into the fake", validated.records);
    const rawEps = file.lines / (median(raw) / 1000);
    const connectorEps = file.lines / (median(connector) / 1000);
    return {
      kind,
      lines: file.lines,
      uncompressedMB: file.bytes / 1e6,
      connectorEventsPerSec: connectorEps,
      rawEventsPerSec: rawEps,
      ratio: connectorEps / rawEps,
      cpuRatio: median(rawCpu) / median(connectorCpu),
      ratioWithFake: rawBeside / validatedMs,
      fakeShare: validated.fakeMs / validatedMs,
      requestsPerRun: requests,
    };
  } finally {
    await api.close();
  }
}

/** Peak RSS (MB) of a fresh child process that ingests one file of `targetBytes` end to end. */
export async function measurePipelineRss(
  targetBytes: number,
): Promise<{ lines: number; uncompressedMB: number; peakRssMB: number }> {
  const file = await ensureBatchFile(targetBytes);
  const child = spawnSync(process.execPath, [__filename, "--child-pipeline", file.path], {
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as {
    records: number;
    maxRssKB: number;
  };
  if (result.records !== file.lines)
    throw new Error(`child ingested ${result.records} of ${file.lines} lines`);
  return { lines: file.lines, uncompressedMB: file.bytes / 1e6, peakRssMB: result.maxRssKB / 1024 };
}

async function childPipeline(path: string): Promise<void> {
  const api = await serveBatchApi(path);
  try {
    const run = await runPipeline(api.baseUrl);
    process.stdout.write(
      JSON.stringify({ records: run.records, maxRssKB: process.resourceUsage().maxRSS }) + "\n",
    );
  } finally {
    await api.close();
  }
}

if (require.main === module && process.argv[2] === "--child-pipeline" && process.argv[3]) {
  childPipeline(process.argv[3]).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
