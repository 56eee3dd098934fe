/**
 * The API 1.0 SIEM unit against a local server playing a hostile Mimecast (issue 11): a zip bomb, a
 * token chain that repeats, a record whose mapping throws. Oracle: the records the server was given.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { zipSync } from "fflate";
import { siemV1Feed } from "../../src/feeds/siemV1";
import type { SiemV1FeedSpec } from "../../src/feeds/types";
import type { SiemV1Job, SiemV1Resume } from "../../src/ingest/siemV1";
import { ingestSiemV1 } from "../../src/ingest/siemV1";
import { DEAD_LETTER_STREAM, streamFor } from "../../src/ingest/streams";
import type { UnitOutcome } from "../../src/ingest/types";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { SIEM_V1_PATH } from "../../src/mimecast/endpoints";
import { MAX_INFLATED_BYTES, fetchSiemLogsV1 } from "../../src/mimecast/siemV1";
import { FakeClock } from "../../src/shared/clock";
import { localServer, within } from "../mimecast/hostileHelpers";
import type { World } from "./unitHarness";
import { NOW, eventIds, startWorld } from "./unitHarness";

let world: World | undefined;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await world?.close();
  await closeServer?.();
  world = undefined;
  closeServer = undefined;
});

interface ServedFile {
  name: string;
  zip: Uint8Array;
  next?: string;
}

const record = (file: string, i: number): Record<string, unknown> => ({
  datetime: "2026-11-20T11:59:00+0000",
  aCode: `${file}-${i}`,
  acc: "C0A0",
  Sender: `s${i}@example.com`,
});

const zipOf = (name: string, text: string | Uint8Array): Uint8Array =>
  zipSync({ [name]: typeof text === "string" ? new TextEncoder().encode(text) : text });

const jsonFile = (name: string, records: unknown[]): Uint8Array =>
  zipOf(name, JSON.stringify({ type: "MTA", data: records }));

/** Serves `byToken[token ?? ""]`, or "caught up" (JSON) for a token it does not know. */
async function v1Server(byToken: Record<string, ServedFile>): Promise<{
  client: MimecastClient;
  calls: () => number;
}> {
  let calls = 0;
  const server = await localServer((req, body, res) => {
    if (req.url === SIEM_V1_PATH) {
      calls += 1;
      const sent = JSON.parse(body.toString("utf8")) as { data: Array<{ token?: string }> };
      const token = sent.data[0]?.token;
      const file = byToken[token ?? ""];
      if (!file) {
        res.writeHead(200, {
          "Content-Type": "application/json",
          isLastToken: "true",
          "mc-siem-token": token ?? "",
        });
        res.end(JSON.stringify({ meta: { isLastToken: true, status: 200 }, data: [], fail: [] }));
        return;
      }
      res.writeHead(200, {
        "Content-Type": "application/octet-stream",
        "Content-Disposition": `attachment; filename="${file.name}"`,
        ...(file.next ? { "mc-siem-token": file.next } : {}),
      });
      res.end(Buffer.from(file.zip));
      return;
    }
    res.writeHead(404).end();
  });
  closeServer = () => server.close();
  const client = new MimecastClient({
    baseUrl: server.url,
    credentials: staticCredentials({
      kind: "hmac",
      appId: "app",
      appKey: "key",
      accessKey: "access",
      secretKey: Buffer.from("secret-key-bytes").toString("base64"),
    }),
    clock: new FakeClock(NOW),
    allowInsecureHttp: true,
    timeoutMs: 10_000,
    backoff: { maxRetries: 0 },
  });
  return { client, calls: () => calls };
}

function job(client: MimecastClient, w: World, overrides: Partial<SiemV1Job> = {}): SiemV1Job {
  return {
    client,
    feed: siemV1Feed,
    sink: w.sink,
    stream: streamFor(siemV1Feed),
    now: () => NOW,
    ...overrides,
  };
}

const rows = (w: World): string[] => eventIds(w.fake.acceptedRows(streamFor(siemV1Feed).streamName));
const deadLetters = (w: World) => w.fake.acceptedRows(DEAD_LETTER_STREAM.streamName);
const idsOf = (name: string, records: Array<Record<string, unknown>>): string[] =>
  records.map((r) => siemV1Feed.eventId(siemV1Feed.normalise(r, name)));

describe("API 1.0 zip bombs", () => {
  it("the default inflation cap is bounded", () => {
    assert.ok(MAX_INFLATED_BYTES <= 128 * 1024 * 1024);
  });

  it("a zip inflating far past the cap stops at the cap with a dead-letter reason, never holding it all", async () => {
    // 8 MB of one repeated line compresses to ~10 KB; the cap here is 1 MB.
    const line = `${JSON.stringify(record("bomb", 0))}\n`;
    const bomb = zipOf("MTA_bomb.json", new TextEncoder().encode(line.repeat(Math.ceil(8e6 / line.length))));
    assert.ok(bomb.length < 200_000, `precondition: a small zip (${bomb.length} bytes)`);
    const { client } = await v1Server({ "": { name: "MTA_bomb.json", zip: bomb } });
    const result = await within(20_000, fetchSiemLogsV1(client, { maxInflatedBytes: 1024 * 1024 }));
    assert.equal(result.kind, "file");
    const items = result.kind === "file" ? result.items : [];
    const last = items[items.length - 1]!;
    assert.equal(last.kind, "bad-line");
    assert.match(last.kind === "bad-line" ? last.reason : "", /inflates beyond 1048576 bytes/);
    const held = items.reduce(
      (n, i) => n + (i.kind === "record" ? JSON.stringify(i.record).length : i.raw.length),
      0,
    );
    assert.ok(held <= 1024 * 1024, `${held} bytes of records held`);
    assert.ok(items.length > 1, "the lines before the cap were read");
  });

  it("a corrupt zip is a dead-letter with the reason, not a crash", async () => {
    const good = jsonFile("MTA_1.json", [record("f", 1)]);
    const corrupt = new Uint8Array(good);
    corrupt.fill(0x55, 40, Math.min(corrupt.length - 30, 80));
    const { client } = await v1Server({ "": { name: "MTA_1.json", zip: corrupt } });
    const result = await within(10_000, fetchSiemLogsV1(client, {}));
    const items = result.kind === "file" ? result.items : [];
    assert.ok(
      items.some((i) => i.kind === "bad-line" && /corrupt|unreadable/.test(i.reason)),
      JSON.stringify(items),
    );
  });
});

describe("API 1.0 token chains that repeat", () => {
  const f1 = [record("f1", 1), record("f1", 2)];
  const f2 = [record("f2", 1), record("f2", 2), record("f2", 3)];

  for (const [name, chain] of [
    [
      "the same mc-siem-token again",
      { "": { n: "MTA_1.json", r: f1, next: "T1" }, T1: { n: "MTA_2.json", r: f2, next: "T1" } },
    ],
    [
      "a chain that cycles T1→T2→T1",
      {
        "": { n: "MTA_1.json", r: f1, next: "T1" },
        T1: { n: "MTA_2.json", r: f2, next: "T2" },
        T2: { n: "MTA_3.json", r: [], next: "T1" },
      },
    ],
  ] as const) {
    it(`${name}: each file ingested once, then a bad-response stop — also on every later run`, async () => {
      const served: Record<string, ServedFile> = {};
      for (const [token, f] of Object.entries(chain)) {
        served[token] = { name: f.n, zip: jsonFile(f.n, [...f.r]), next: f.next };
      }
      const { client, calls } = await v1Server(served);
      const w = (world = await startWorld([siemV1Feed]));
      let resume: SiemV1Resume | undefined;
      const outcomes: Array<UnitOutcome<SiemV1Resume>> = [];
      for (let run = 0; run < 3; run += 1) {
        const outcome = await within(
          10_000,
          ingestSiemV1({ ...job(client, w), ...(resume ? { resume } : {}) }),
        );
        outcomes.push(outcome);
        resume = outcome.resume;
      }
      for (const outcome of outcomes) {
        assert.equal(outcome.kind, "failed");
        assert.match(outcome.kind === "failed" ? outcome.reason : "", /mc-siem-token repeats/);
      }
      const want = [...idsOf("MTA_1.json", [...f1]), ...idsOf("MTA_2.json", [...f2])];
      assert.deepEqual([...rows(w)].sort(), want.sort(), "every row once, none re-sent");
      assert.ok(calls() <= 10, `${calls()} calls`);
    });
  }

  it("a record whose mapping throws costs one dead-letter, not its file", async () => {
    const records = [record("f", 1), record("f", 2), record("f", 3)];
    const { client } = await v1Server({ "": { name: "MTA_1.json", zip: jsonFile("MTA_1.json", records) } });
    const w = (world = await startWorld([siemV1Feed]));
    const victim = idsOf("MTA_1.json", [records[1]!])[0];
    const feed: SiemV1FeedSpec = {
      ...siemV1Feed,
      eventId: (r) => {
        const id = siemV1Feed.eventId(r);
        if (id === victim) throw new RangeError("Maximum call stack size exceeded");
        return id;
      },
    };
    const outcome = await within(10_000, ingestSiemV1(job(client, w, { feed })));
    assert.equal(outcome.kind, "completed");
    assert.deepEqual([...rows(w)].sort(), idsOf("MTA_1.json", [records[0]!, records[2]!]).sort());
    assert.equal(deadLetters(w).length, 1);
    assert.match(
      String(deadLetters(w)[0]!["Reason"]),
      /^(mapping failed: RangeError|shape: Maximum call stack)/,
    );
  });
});
