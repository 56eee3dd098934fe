import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unzipSync } from "fflate";
import { formatMimecastTime } from "../../simulator/index";
import type { Simulator } from "../../simulator/index";
import type { HttpResult } from "../helpers/sim-http";
import { bearer, getToken, jsonOf, postJson } from "../helpers/sim-http";
import { DAY, NOW, withSimulator } from "../helpers/sim-fixtures";

const PATH = "/api/ttp/threat-intel/get-feed";
const NEXT = "x-mc-threat-feed-next-token";

/** Follows X-Mc-Threat-Feed-Next-Token until it disappears (bounded). */
async function fetchAllFiles(
  sim: Simulator,
  filter: Record<string, unknown>,
  maxFiles = 100,
): Promise<HttpResult[]> {
  const token = await getToken(sim);
  const files: HttpResult[] = [];
  let next: string | undefined;
  for (let i = 0; i < maxFiles; i++) {
    const result = await postJson(
      sim,
      PATH,
      { data: [{ ...filter, ...(next ? { token: next } : {}) }] },
      bearer(token),
    );
    assert.equal(result.status, 200);
    files.push(result);
    next = result.headers[NEXT] as string | undefined;
    if (!next) return files;
  }
  throw new Error("too many threat-intel files");
}

const window = { start: formatMimecastTime(NOW - 2 * DAY), end: formatMimecastTime(NOW) };

describe("simulator threat-intel feed", () => {
  it("reports an empty window as fail err_threat_intel_feed_no_result_found in a 200", async () => {
    await withSimulator({ startOfData: NOW - DAY }, async (sim) => {
      const result = await postJson(
        sim,
        PATH,
        {
          data: [
            {
              feedType: "malware_grid",
              fileType: "stix",
              start: formatMimecastTime(NOW - 3 * DAY),
              end: formatMimecastTime(NOW - 2 * DAY),
            },
          ],
        },
        bearer(await getToken(sim)),
      );
      assert.equal(result.status, 200);
      assert.deepEqual(jsonOf(result), {
        meta: { status: 200 },
        data: [],
        fail: [
          {
            errors: [
              {
                code: "err_threat_intel_feed_no_result_found",
                message: "No results found for threat intel feed.",
                retryable: false,
              },
            ],
          },
        ],
      });
    });
  });

  it("serves STIX bundles file by file with a next-token header until every indicator was sent", async () => {
    await withSimulator({ threatIntelIndicatorsPerFile: 100 }, async (sim) => {
      const files = await fetchAllFiles(sim, { feedType: "malware_grid", fileType: "stix", ...window });
      const truth = [
        ...sim.groundTruth("threat-intel-grid", { from: NOW - 2 * DAY, to: NOW, publishedBy: NOW }),
      ];
      assert.equal(files.length, Math.ceil(truth.length / 100));
      const indicators: unknown[] = [];
      for (const file of files) {
        assert.match(
          String(file.headers["content-disposition"]),
          /filename="malware_grid_stix_\d{17}\.stix"/,
        );
        const bundle = jsonOf<{ type: string; id: string; objects: Array<{ type: string }> }>(file);
        assert.equal(bundle.type, "bundle");
        assert.match(bundle.id, /^bundle--/);
        indicators.push(...bundle.objects.filter((o) => o.type === "indicator"));
      }
      assert.deepEqual(
        indicators,
        truth.map((e) => (e.record as { indicator: unknown }).indicator),
      );
      assert.equal(files.at(-1)?.headers[NEXT], undefined);
    });
  });

  it("serves pipe-delimited CSV with the documented columns", async () => {
    await withSimulator({ threatIntelIndicatorsPerFile: 1000 }, async (sim) => {
      const [file] = await fetchAllFiles(sim, { feedType: "malware_customer", fileType: "csv", ...window });
      const lines = file!.body.toString("utf8").trimEnd().split("\n");
      assert.equal(lines[0], "FileName|FileSize|SHA256|SendingIP|FileMimeType|Timestamp");
      const truth = [
        ...sim.groundTruth("threat-intel-customer", { from: NOW - 2 * DAY, to: NOW, publishedBy: NOW }),
      ];
      assert.equal(lines.length - 1, truth.length);
      const hashes = lines.slice(1).map((line) => line.split("|").at(-4));
      assert.deepEqual(
        hashes,
        truth.map((e) => (e.record as { csv: { SHA256: string } }).csv.SHA256),
      );
    });
  });

  it("zips the file when compress is true", async () => {
    await withSimulator({}, async (sim) => {
      const [file] = await fetchAllFiles(sim, {
        feedType: "malware_grid",
        fileType: "csv",
        compress: true,
        ...window,
      });
      assert.match(String(file!.headers["content-disposition"]), /\.zip"$/);
      const entries = unzipSync(new Uint8Array(file!.body));
      const names = Object.keys(entries);
      assert.equal(names.length, 1);
      assert.match(names[0]!, /^malware_grid_csv_\d{17}\.csv$/);
      assert.match(Buffer.from(entries[names[0]!]!).toString("utf8"), /^FileName\|FileSize/);
    });
  });

  it("rejects a forged token with a fail entry", async () => {
    await withSimulator({}, async (sim) => {
      const result = await postJson(
        sim,
        PATH,
        { data: [{ feedType: "malware_grid", token: "forged" }] },
        bearer(await getToken(sim)),
      );
      assert.equal(
        jsonOf<{ fail: Array<{ errors: Array<{ code: string }> }> }>(result).fail[0]?.errors[0]?.code,
        "err_threat_intel_invalid_token",
      );
    });
  });
});
