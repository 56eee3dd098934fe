import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { unzipSync } from "fflate";
import type { Simulator } from "../../simulator/index";
import type { HttpResult } from "../helpers/sim-http";
import { jsonOf, mcDate, postJson, signV1 } from "../helpers/sim-http";
import { HOUR, NOW, withSimulator } from "../helpers/sim-fixtures";

const PATH = "/api/audit/get-siem-logs";
const HALF_HOUR = 30 * 60_000;

function call(sim: Simulator, item: Record<string, unknown>): Promise<HttpResult> {
  return postJson(
    sim,
    PATH,
    { data: [{ type: "MTA", ...item }] },
    signV1(sim.credentials.hmac!, PATH, mcDate(sim.clock.now())),
  );
}

/** Follows mc-siem-token until the JSON "nothing left" answer (bounded). */
async function drain(sim: Simulator, item: Record<string, unknown>, startToken?: string, maxFiles = 500) {
  const files: HttpResult[] = [];
  let token = startToken;
  for (let i = 0; i < maxFiles; i++) {
    const result = await call(sim, { ...item, ...(token ? { token } : {}) });
    assert.equal(result.status, 200);
    if (String(result.headers["content-type"]).startsWith("application/json")) return { files, last: result };
    files.push(result);
    token = result.headers["mc-siem-token"] as string;
    assert.ok(token, "every file names the next token");
  }
  throw new Error("too many v1 SIEM files");
}

describe("simulator API 1.0 SIEM logs", () => {
  it("hands out one file per call, chained by mc-siem-token, until isLastToken: together exactly the ground truth", async () => {
    await withSimulator({ startOfData: NOW - 6 * HOUR }, async (sim) => {
      const { files, last } = await drain(sim, { fileFormat: "json" });
      const served: string[] = [];
      for (const file of files) {
        assert.equal(file.headers["content-type"], "application/octet-stream");
        const name = /filename="([^"]+)"/.exec(String(file.headers["content-disposition"]))?.[1] ?? "";
        const body = jsonOf<{ type: string; data: unknown[] }>(file);
        assert.equal(body.type, "MTA");
        assert.match(
          name,
          /^(receipt|process|delivery|av|spameventthread|jrnl|ttp_url|ttp_ap|ttp_impersonation)_\d{17}\.json$/,
        );
        served.push(...body.data.map((r) => JSON.stringify(r)));
      }
      const lastPublished = Math.floor(NOW / HALF_HOUR) * HALF_HOUR;
      const truth = [
        ...sim.groundTruth("siem-v1", { from: NOW - 6 * HOUR, to: lastPublished, basis: "publish" }),
      ].map((e) => JSON.stringify(e.record));
      assert.deepEqual([...served].sort(), [...truth].sort());
      assert.equal(last.headers.islasttoken, "true");
      assert.deepEqual(jsonOf(last), { meta: { isLastToken: true, status: 200 }, data: [], fail: [] });
      assert.equal(last.headers["mc-siem-token"], files.at(-1)?.headers["mc-siem-token"]);
    });
  });

  it("continues from the last token once newer files are published", async () => {
    await withSimulator({ startOfData: NOW - 2 * HOUR }, async (sim) => {
      const first = await drain(sim, { fileFormat: "json" });
      sim.clock.advance(HOUR);
      const second = await drain(sim, { fileFormat: "json" }, first.last.headers["mc-siem-token"] as string);
      assert.ok(second.files.length > 0);
      const names = (r: HttpResult) => String(r.headers["content-disposition"]);
      assert.equal(
        new Set([...first.files, ...second.files].map(names)).size,
        first.files.length + second.files.length,
      );
    });
  });

  it("writes key_value lines starting with datetime= and zips them on request", async () => {
    await withSimulator({ startOfData: NOW - 2 * HOUR }, async (sim) => {
      const plain = await call(sim, { fileFormat: "key_value" });
      const lines = plain.body.toString("utf8").trimEnd().split("\n");
      assert.ok(
        lines.every((line) => /^datetime=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000\|aCode=[^|]+\|acc=/.test(line)),
      );
      const zipped = await call(sim, { fileFormat: "key_value", compress: true });
      assert.match(String(zipped.headers["content-disposition"]), /\.zip"$/);
      const entries = unzipSync(new Uint8Array(zipped.body));
      const [name] = Object.keys(entries);
      assert.match(name!, /\.log$/);
      assert.equal(Buffer.from(entries[name!]!).toString("utf8"), plain.body.toString("utf8"));
    });
  });

  it("rejects a forged token with err_audit_siem_invalid_token", async () => {
    await withSimulator({}, async (sim) => {
      const result = await call(sim, { token: "forged" });
      assert.equal(
        jsonOf<{ fail: Array<{ errors: Array<{ code: string }> }> }>(result).fail[0]?.errors[0]?.code,
        "err_audit_siem_invalid_token",
      );
    });
  });
});
