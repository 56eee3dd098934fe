/**
 * ingestSiemBatch against hostile SIEM batch data (issue 11): a file that stays truncated, gzip followed
 * by bytes that are not gzip, a record whose mapping throws, a listing whose @nextPage cycles, and pages
 * padded with repeats of one file URL. Oracles: the simulator's ground truth (files re-read with plain
 * node:http + zlib) or, for the local server, the records it was given to serve.
 */
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { afterEach, describe, it } from "node:test";
import { siemCgFeed } from "../../src/feeds/siem";
import type { SiemBatchFeedSpec } from "../../src/feeds/types";
import type { SiemBatchJob, SiemResume } from "../../src/ingest/siemBatch";
import { MAX_SAME_BREAKS, ingestSiemBatch } from "../../src/ingest/siemBatch";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { UnitOutcome } from "../../src/ingest/types";
import { TRAILING_BYTES_REASON } from "../../src/mimecast/batchFile";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { SIEM_BATCH_PATH } from "../../src/mimecast/endpoints";
import { listSiemBatch } from "../../src/mimecast/pagination";
import { FakeClock } from "../../src/shared/clock";
import { gunzipLines, request } from "../helpers/sim-http";
import { localServer, within } from "../mimecast/hostileHelpers";
import type { World } from "./unitHarness";
import { NOW, eventIds, runToCompletion, startWorld } from "./unitHarness";

const TODAY = "2024-11-18";
const TYPE = "receipt";

let world: World | undefined;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await world?.close();
  await closeServer?.();
  world = undefined;
  closeServer = undefined;
});

function job(w: Pick<World, "client" | "sink">, overrides: Partial<SiemBatchJob> = {}): SiemBatchJob {
  return {
    client: w.client,
    feed: siemCgFeed,
    type: TYPE,
    sink: w.sink,
    stream: streamFor(siemCgFeed),
    fromDay: TODAY,
    toDay: TODAY,
    now: () => NOW,
    pageSize: 10,
    ...overrides,
  };
}

const unit =
  (w: Pick<World, "client" | "sink">, overrides: Partial<SiemBatchJob> = {}) =>
  (resume: SiemResume | undefined): Promise<UnitOutcome<SiemResume>> =>
    within(20_000, ingestSiemBatch({ ...job(w, overrides), ...(resume ? { resume } : {}) }), "unit");

/** Every record of every listed file, read with plain node:http + zlib (not the connector's reader). */
async function filesOnSim(w: World): Promise<Array<{ path: string; ids: string[] }>> {
  const out: Array<{ path: string; ids: string[] }> = [];
  let nextPage: string | undefined;
  for (let i = 0; i < 50; i += 1) {
    const page = await listSiemBatch(w.client, {
      kind: "cg",
      type: TYPE,
      from: TODAY,
      to: TODAY,
      pageSize: 10,
      ...(nextPage ? { nextPage } : {}),
    });
    for (const file of page.files) {
      const body = (await request(file.url)).body;
      const records = gunzipLines(body).map((line) => JSON.parse(line) as Record<string, unknown>);
      out.push({ path: new URL(file.url).pathname, ids: records.map((r) => siemCgFeed.eventId(r)) });
    }
    if (page.isCaughtUp || page.files.length === 0 || !page.nextPage) return out;
    nextPage = page.nextPage;
  }
  return assert.fail("listing did not end");
}

const rows = (w: World): string[] => eventIds(w.fake.acceptedRows(streamFor(siemCgFeed).streamName));
const deadLetters = (w: World) => w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);

describe("SIEM batch files that stay broken", () => {
  it("a file truncated on every download is dead-lettered from its break after a bounded number of tries", async () => {
    const w = (world = await startWorld([siemCgFeed], { eventsPerDay: { "siem-cg:receipt": 4_000 } }));
    const files = await filesOnSim(w);
    assert.ok(files.length >= 3, "precondition: several files");
    const broken = files[1]!;
    w.sim.faults.inject({
      kind: "truncated-gzip",
      times: Infinity,
      match: { family: "siem-file", path: broken.path },
    });
    const run = await runToCompletion(undefined, unit(w), { maxRuns: MAX_SAME_BREAKS + 3 });
    assert.ok(run.outcomes.length <= MAX_SAME_BREAKS + 1, `${run.outcomes.length} runs`);
    const got = new Set(rows(w));
    const others = files.filter((f) => f !== broken).flatMap((f) => f.ids);
    assert.deepEqual(
      others.filter((id) => !got.has(id)),
      [],
      "every other file is in",
    );
    // What the broken file delivered is a prefix of it, and not empty (the cut is half-way).
    const delivered = broken.ids.filter((id) => got.has(id));
    assert.ok(delivered.length > 0);
    assert.deepEqual(delivered, broken.ids.slice(0, delivered.length));
    assert.equal(rows(w).length, got.size, "nothing was sent twice");
    const dead = deadLetters(w);
    assert.equal(dead.length, 1);
    assert.match(
      String(dead[0]!["Reason"]),
      new RegExp(`unreadable \\(truncated, ${MAX_SAME_BREAKS} times at the same line\\)`),
    );
    assert.match(
      String(dead[0]!["SourcePosition"]),
      new RegExp(`${broken.path} line ${delivered.length + 1}$`),
    );
  });

  it("gzip followed by bytes that are not gzip: every line is ingested, the trailing bytes dead-lettered", async () => {
    const w = (world = await startWorld([siemCgFeed], { eventsPerDay: { "siem-cg:receipt": 2_000 } }));
    const files = await filesOnSim(w);
    const target = files[0]!;
    w.sim.faults.inject({
      kind: "trailing-bytes",
      times: Infinity,
      match: { family: "siem-file", path: target.path },
    });
    const run = await runToCompletion(undefined, unit(w), { maxRuns: 3 });
    assert.equal(run.outcomes.length, 1, "one run: nothing to retry");
    assert.deepEqual([...rows(w)].sort(), files.flatMap((f) => f.ids).sort());
    const dead = deadLetters(w);
    assert.equal(dead.length, 1);
    assert.equal(dead[0]!["Reason"], TRAILING_BYTES_REASON);
    assert.match(
      String(dead[0]!["SourcePosition"]),
      new RegExp(`${target.path} line ${target.ids.length + 1}$`),
    );
  });

  it("a record whose mapping throws costs one dead-letter, not its file", async () => {
    const w = (world = await startWorld([siemCgFeed], { eventsPerDay: { "siem-cg:receipt": 2_000 } }));
    const files = await filesOnSim(w);
    const victim = files[0]!.ids[2]!;
    const feed: SiemBatchFeedSpec = {
      ...siemCgFeed,
      eventId: (record) => {
        const id = siemCgFeed.eventId(record);
        if (id === victim) throw new RangeError("Maximum call stack size exceeded");
        return id;
      },
    };
    const run = await runToCompletion(undefined, unit(w, { feed }), { maxRuns: 3 });
    assert.equal(run.last.kind, "completed");
    const all = files.flatMap((f) => f.ids);
    assert.deepEqual([...rows(w)].sort(), all.filter((id) => id !== victim).sort());
    const dead = deadLetters(w);
    assert.equal(dead.length, 1);
    assert.match(String(dead[0]!["Reason"]), /^(mapping failed: RangeError: |shape: )Maximum call stack/);
    assert.match(String(dead[0]!["SourcePosition"]), / line 3$/);
  });
});

/** A local Mimecast stand-in: a token endpoint, a scripted SIEM listing and gzip files. */
async function scriptedListing(
  pages: Record<string, { files: string[]; next?: string; caughtUp?: boolean }>,
): Promise<{
  client: MimecastClient;
  fileGets: Map<string, number>;
  listings: () => number;
  recordsOf: (file: string) => Array<Record<string, unknown>>;
}> {
  const fileGets = new Map<string, number>();
  let listings = 0;
  const recordsOf = (file: string): Array<Record<string, unknown>> =>
    [0, 1, 2].map((i) => ({
      id: `${file}-${i}`,
      timestamp: NOW - 60_000 + i,
      type: TYPE,
      aggregateId: `agg-${file}`,
    }));
  const server = await localServer((req, _body, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/oauth/token") {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ access_token: "tok-local-0123456789", expires_in: 1800 }));
      return;
    }
    if (url.pathname === SIEM_BATCH_PATH.cg) {
      listings += 1;
      const page = pages[url.searchParams.get("nextPage") ?? ""];
      const value = (page?.files ?? []).map((f) => ({
        url: `${base}/files/${f}.json.gz?sig=${listings}`,
        expiry: new Date(NOW + 900_000).toISOString(),
        size: 100,
      }));
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          value,
          ...(page?.next ? { "@nextPage": page.next } : {}),
          isCaughtUp: page?.caughtUp ?? false,
        }),
      );
      return;
    }
    const file = /^\/files\/(.+)\.json\.gz$/.exec(url.pathname)?.[1];
    if (file) {
      fileGets.set(file, (fileGets.get(file) ?? 0) + 1);
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      res.end(
        zlib.gzipSync(
          recordsOf(file)
            .map((r) => JSON.stringify(r))
            .join("\n") + "\n",
        ),
      );
      return;
    }
    res.writeHead(404).end();
  });
  const base = server.url;
  closeServer = () => server.close();
  const client = new MimecastClient({
    baseUrl: server.url,
    credentials: staticCredentials({ kind: "oauth2", clientId: "c", clientSecret: "local-secret" }),
    clock: new FakeClock(NOW),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 5_000,
    backoff: { maxRetries: 0 },
  });
  return { client, fileGets, listings: () => listings, recordsOf };
}

describe("SIEM listings that loop or repeat", () => {
  const cycle = {
    "": { files: ["f0"], next: "A" },
    A: { files: ["f1"], next: "B" },
    B: { files: ["f2"], next: "A" },
  };

  it("@nextPage A→B→A within one run stops with a bad-response error; each file read once", async () => {
    const { client, fileGets, listings } = await scriptedListing(cycle);
    const w = (world = await startWorld([siemCgFeed]));
    const outcome = await unit({ client, sink: w.sink })(undefined);
    assert.equal(outcome.kind, "failed");
    assert.match(outcome.kind === "failed" ? outcome.reason : "", /cycled/);
    assert.equal(outcome.kind === "failed" && outcome.retryable, false);
    assert.deepEqual(Object.fromEntries(fileGets), { f0: 1, f1: 1, f2: 1 });
    assert.ok(listings() <= 4);
    assert.equal(rows(w).length, 9);
  });

  it("the cycle is caught across units too, through the resume point", async () => {
    const { client, fileGets } = await scriptedListing(cycle);
    const w = (world = await startWorld([siemCgFeed]));
    // A deadline already past: every run stops at the first page boundary and hands over its resume.
    const run = unit({ client, sink: w.sink }, { deadline: NOW });
    let resume: SiemResume | undefined;
    let last: UnitOutcome<SiemResume> | undefined;
    for (let i = 0; i < 10; i += 1) {
      last = await run(resume);
      if (last.kind !== "partial") break;
      resume = last.resume;
    }
    assert.equal(last?.kind, "failed", JSON.stringify(last));
    assert.deepEqual(Object.fromEntries(fileGets), { f0: 1, f1: 1, f2: 1 });
    assert.equal(rows(w).length, 9, "no row re-sent");
  });

  it("a page padded with repeats of one file URL reads that file once", async () => {
    const { client, fileGets, recordsOf } = await scriptedListing({
      "": { files: ["f0", "pad", "pad", "pad", "f1", "pad"], next: "A" },
      A: { files: ["pad", "f2"], caughtUp: true },
    });
    const w = (world = await startWorld([siemCgFeed]));
    const outcome = await unit({ client, sink: w.sink })(undefined);
    assert.equal(outcome.kind, "completed");
    assert.deepEqual(Object.fromEntries(fileGets), { f0: 1, pad: 1, f1: 1, f2: 1 });
    const want = ["f0", "pad", "f1", "f2"].flatMap((f) => recordsOf(f).map((r) => siemCgFeed.eventId(r)));
    assert.deepEqual([...rows(w)].sort(), want.sort());
  });
});
