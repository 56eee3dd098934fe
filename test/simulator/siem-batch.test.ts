import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BatchListing } from "../helpers/sim-http";
import { getToken, gunzipLines, jsonOf, listAllBatchFiles, listBatch, request } from "../helpers/sim-http";
import { DAY, HOUR, NOW, withSimulator } from "../helpers/sim-fixtures";
import type { Simulator } from "../../simulator/index";

const YESTERDAY = "2024-11-17";
const TODAY = "2024-11-18";
const YESTERDAY_MS = Date.UTC(2024, 10, 17);

async function downloadLines(urls: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const url of urls) {
    const result = await request(url);
    assert.equal(result.status, 200, `${url} → ${result.status} ${result.body.toString()}`);
    lines.push(...gunzipLines(result.body));
  }
  return lines;
}

const groundTruthLines = (
  sim: Simulator,
  feed: "siem-cg" | "siem-ci",
  type: string,
  from: number,
  to: number,
): string[] =>
  [...sim.groundTruth(feed, { from, to, type, basis: "publish" })].map((e) => JSON.stringify(e.record));

describe("simulator SIEM batch endpoint", () => {
  it("pages a day range returning every file exactly once, then reports isCaughtUp", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const { files, pages } = await listAllBatchFiles(
        sim,
        "cg",
        { type: "receipt", dateRangeStartsAt: YESTERDAY, dateRangeEndsAt: YESTERDAY, pageSize: "10" },
        token,
      );
      const paths = files.map((f) => new URL(f.url).pathname);
      assert.equal(new Set(paths).size, paths.length, "no file listed twice");
      assert.equal(files.length, 96, "one file per 15-minute slot of the day");
      assert.equal(pages, 10);
      assert.ok(paths.every((p) => p.startsWith("/mimecast-siem-batch/receipt/2024/11/17/")));
    });
  });

  it("serves files whose lines are exactly the ground truth of that type and range: none missing, none twice", async () => {
    await withSimulator({ lateFraction: 0.1 }, async (sim) => {
      const token = await getToken(sim);
      const { files } = await listAllBatchFiles(
        sim,
        "cg",
        { type: "url protect", dateRangeStartsAt: YESTERDAY, dateRangeEndsAt: YESTERDAY },
        token,
      );
      const served = await downloadLines(files.map((f) => f.url));
      const truth = groundTruthLines(sim, "siem-cg", "url protect", YESTERDAY_MS, YESTERDAY_MS + DAY);
      assert.ok(truth.length > 1000);
      assert.equal(new Set(served).size, served.length, "no line twice");
      assert.deepEqual([...served].sort(), [...truth].sort());
      // Late events were published in a later slot than their event time, yet they are in the files.
      const late = [
        ...sim.groundTruth("siem-cg", {
          from: YESTERDAY_MS,
          to: YESTERDAY_MS + DAY,
          type: "url protect",
          basis: "publish",
        }),
      ].filter((e) => Math.floor(e.publishTime / 900_000) !== Math.floor(e.eventTime / 900_000));
      assert.ok(late.length > 50);
    });
  });

  it("lists a size equal to the bytes the file host sends", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const listing = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "delivery", dateRangeStartsAt: TODAY, pageSize: "5" }, token),
      );
      for (const file of listing.value) {
        const result = await request(file.url);
        assert.equal(result.body.length, file.size);
        assert.equal(result.headers["content-type"], "application/octet-stream");
      }
    });
  });

  it("returns files published after caught-up when the same cursor is used later", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const first = await listAllBatchFiles(
        sim,
        "cg",
        { type: "spam", dateRangeStartsAt: TODAY, dateRangeEndsAt: TODAY, pageSize: "100" },
        token,
      );
      // 00:00–12:00 is published at 12:07; the 12:00 slot only closes at 12:15.
      assert.equal(first.files.length, 48);
      const caughtUp = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "spam", nextPage: first.lastNextPage }, token),
      );
      assert.deepEqual(caughtUp.value, []);
      assert.equal(caughtUp.isCaughtUp, true);
      sim.clock.advance(HOUR);
      const later = await listAllBatchFiles(
        sim,
        "cg",
        { type: "spam", nextPage: first.lastNextPage },
        await getToken(sim),
      );
      assert.equal(later.files.length, 4);
      const served = await downloadLines(later.files.map((f) => f.url));
      const truth = groundTruthLines(sim, "siem-cg", "spam", NOW - 7 * 60_000, NOW - 7 * 60_000 + HOUR);
      assert.deepEqual([...served].sort(), [...truth].sort());
    });
  });

  it("accepts a comma-separated type list and serves Cloud Integrated types", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const { files } = await listAllBatchFiles(
        sim,
        "ci",
        { type: "urlclick,entities", dateRangeStartsAt: TODAY },
        token,
      );
      const types = new Set(
        files.map((f) => decodeURIComponent(new URL(f.url).pathname.split("/")[2] ?? "")),
      );
      assert.deepEqual([...types].sort(), ["entities", "urlclick"]);
    });
  });

  it("rejects a date range older than the 7-day retention with 400", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const sevenDays = await listBatch(
        sim,
        "cg",
        { type: "receipt", dateRangeStartsAt: "2024-11-11", dateRangeEndsAt: "2024-11-11" },
        token,
      );
      assert.equal(sevenDays.status, 200);
      const eightDays = await listBatch(
        sim,
        "cg",
        { type: "receipt", dateRangeStartsAt: "2024-11-10", dateRangeEndsAt: "2024-11-10" },
        token,
      );
      assert.equal(eightDays.status, 400);
      assert.equal(jsonOf<{ error: { code: string } }>(eightDays).error.code, "date_range_out_of_retention");
    });
  });

  it("rejects an unknown type, a page size above 100 and a malformed date with 400", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const queries: Array<Record<string, string>> = [
        { type: "dlp" },
        { type: "receipt", pageSize: "101" },
        { type: "receipt", dateRangeStartsAt: "17-11-2024" },
        {},
      ];
      for (const query of queries) {
        const result = await listBatch(sim, "cg", query, token);
        assert.equal(result.status, 400, JSON.stringify(query));
        assert.equal(
          typeof jsonOf<{ error: { code: string; message: string } }>(result).error.message,
          "string",
        );
      }
    });
  });

  it("rejects a tampered cursor and a cursor used for another type with 400", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const listing = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "receipt", pageSize: "1" }, token),
      );
      const cursor = listing["@nextPage"];
      const tampered = `${cursor.slice(0, 10)}${cursor[10] === "A" ? "B" : "A"}${cursor.slice(11)}`;
      assert.equal((await listBatch(sim, "cg", { type: "receipt", nextPage: tampered }, token)).status, 400);
      assert.equal((await listBatch(sim, "cg", { type: "process", nextPage: cursor }, token)).status, 400);
      assert.equal((await listBatch(sim, "cg", { type: "receipt", nextPage: cursor }, token)).status, 200);
    });
  });

  it("answers 403 'Request has expired' once the URL's expiry has passed", async () => {
    await withSimulator({ fileUrlTtlMs: 60_000 }, async (sim) => {
      const token = await getToken(sim);
      const [file] = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "av", pageSize: "1" }, token),
      ).value;
      assert.ok(file);
      assert.equal(Date.parse(file.expiry), NOW + 60_000);
      sim.clock.advance(60_000);
      assert.equal((await request(file.url)).status, 200);
      sim.clock.advance(1);
      const expired = await request(file.url);
      assert.equal(expired.status, 403);
      assert.match(
        expired.body.toString(),
        /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/,
      );
    });
  });

  it("refuses tampered signatures and unknown keys like S3", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const [file] = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "av", pageSize: "1" }, token),
      ).value;
      const url = new URL(file!.url);
      url.searchParams.set("X-Amz-Signature", "0".repeat(64));
      const tampered = await request(url.toString());
      assert.equal(tampered.status, 403);
      assert.match(tampered.body.toString(), /SignatureDoesNotMatch/);
      const unknown = await request(
        `${sim.fileBaseUrl}/mimecast-siem-batch/av/2024/11/18/cg-1-00000000.json.gz`,
      );
      assert.equal(unknown.status, 404);
    });
  });

  it("serves files without any credentials and flags a client that sends its bearer to the file host", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const [file] = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "journal", pageSize: "1" }, token),
      ).value;
      assert.ok(new URL(file!.url).origin === sim.fileBaseUrl && sim.fileBaseUrl !== sim.url);
      assert.equal((await request(file!.url)).status, 200);
      assert.equal(sim.requests.at(-1)?.hadAuthorizationOnFileHost, false);
      const leaked = await request(file!.url, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(leaked.status, 400);
      assert.equal(sim.requests.at(-1)?.hadAuthorizationOnFileHost, true);
    });
  });

  it("defaults to the whole retention window when no date range is given", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      const [file] = jsonOf<BatchListing>(
        await listBatch(sim, "cg", { type: "receipt", pageSize: "1" }, token),
      ).value;
      assert.match(new URL(file!.url).pathname, /\/2024\/11\/11\//);
    });
  });
});
