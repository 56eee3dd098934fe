import assert from "node:assert/strict";
import http from "node:http";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import type { BatchListing } from "../helpers/sim-http";
import { getToken, jsonOf, listBatch } from "../helpers/sim-http";
import { withSimulator } from "../helpers/sim-fixtures";

const MB = 1024 * 1024;

/** Downloads and gunzips a file as a stream, counting lines and sampling the heap as data flows. */
function streamLines(
  url: string,
  baseline: number,
): Promise<{ lines: number; bytes: number; peakGrowth: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let lines = 0;
        let bytes = 0;
        let peak = 0;
        let chunks = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
        });
        const gunzip = res.pipe(zlib.createGunzip());
        gunzip.on("data", (chunk: Buffer) => {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          if (++chunks % 16 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
        });
        gunzip.on("end", () => resolve({ lines, bytes, peakGrowth: peak }));
        gunzip.on("error", reject);
      })
      .on("error", reject);
  });
}

describe("simulator memory use", () => {
  it("streams a batch file of ~200k events without holding it in memory", async () => {
    // 200k events per 15-minute slot; no late events, so a file is exactly one slot's events.
    await withSimulator(
      { eventsPerDay: { "siem-cg:receipt": 200_000 * 96 }, lateFraction: 0, rateLimit: false },
      async (sim) => {
        global.gc?.();
        const baseline = process.memoryUsage().heapUsed;
        const listing = jsonOf<BatchListing>(
          await listBatch(
            sim,
            "cg",
            { type: "receipt", dateRangeStartsAt: "2024-11-18", pageSize: "1" },
            await getToken(sim),
          ),
        );
        const file = listing.value[0]!;
        const { lines, bytes, peakGrowth } = await streamLines(file.url, baseline);
        assert.ok(lines > 120_000, `only ${lines} lines`);
        assert.equal(bytes, file.size);
        // Uncompressed, such a file is well over 150 MB; streaming keeps the heap growth far below that.
        assert.ok(peakGrowth < 100 * MB, `heap grew by ${Math.round(peakGrowth / MB)} MB`);
      },
    );
  });
});
