import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { formatReport, PROBE_STATUS, reportJson } from "../../src/doctor";
import type { DoctorReport } from "../../src/doctor";
import { dlpFeed } from "../../src/feeds/dlp";
import { FEEDS } from "../../src/feeds";
import { CONNECTOR_HEALTH_STREAM } from "../../src/ingest/streams";
import { ENDPOINT_FAMILIES, TEST_OAUTH_APPLICATION } from "../../simulator/index";
import { checkNamed, startRig, statuses } from "./helpers";
import type { DoctorRig } from "./helpers";

let rig: DoctorRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Neither the table nor the JSON may contain `secret`. */
function assertAbsent(report: DoctorReport, secret: string): void {
  assert.ok(secret.length >= 8, "use a distinctive secret");
  assert.ok(!formatReport(report).includes(secret), "secret printed in the table");
  assert.ok(!reportJson(report).includes(secret), "secret printed in the JSON");
}

describe("doctor against the simulator and the Logs Ingestion fake", () => {
  test("everything allowed and reachable: every check ok, one row per enabled feed, exit 0", async () => {
    rig = await startRig();
    const report = await rig.run(rig.env);

    assert.equal(report.exitCode, 0, formatReport(report));
    assert.deepEqual(
      report.checks.filter((c) => c.status !== "ok"),
      [],
    );
    const feedRows = report.checks.filter((c) => c.name.startsWith("feed ")).map((c) => c.name);
    const v2Feeds = FEEDS.filter((f) => f.source !== "siem-v1").map((f) => `feed ${f.id}`);
    assert.deepEqual(feedRows, v2Feeds);
    assert.equal(checkNamed(report, "mimecast auth").status, "ok");
    assert.equal(report.checkedAt, new Date(rig.clock.now()).toISOString());
    assertAbsent(report, rig.sim.credentials.oauth!.clientSecret);
  });

  test("each probe is the smallest request: page size 1 and a recent window", async () => {
    rig = await startRig();
    await rig.run({ ...rig.env, MIMECAST_FEEDS: "siem-cg,dlp" });
    const calls = rig.sim.requests.filter((r) => r.path !== "/oauth/token");
    assert.deepEqual(
      calls.map((r) => r.path),
      ["/siem/v1/batch/events/cg", "/siem/v1/events/cg", "/api/dlp/get-logs"],
    );
    assert.deepEqual(calls[0]!.query, {
      type: "receipt",
      dateRangeStartsAt: "2024-11-17",
      dateRangeEndsAt: "2024-11-18",
      pageSize: "1",
    });
    // The SIEM event stream beside the batch listing (MIMECAST_SIEM_PATH=auto uses it for the live edge).
    assert.deepEqual(calls[1]!.query, {
      types: "receipt",
      dateRangeStartsAt: "2024-11-18T11:07:00.000Z",
      dateRangeEndsAt: "2024-11-18T12:07:00.000Z",
      pageSize: "1",
    });
    assert.deepEqual(calls[2]!.body, {
      meta: { pagination: { pageSize: 1 } },
      data: [{ from: "2024-11-18T11:07:00+0000", to: "2024-11-18T12:07:00+0000", oldestFirst: true }],
    });
  });

  test("a role that may list SIEM batch files but not read the event stream: siem-cg warns, naming the stream", async () => {
    const allowed = ENDPOINT_FAMILIES.filter((f) => f !== "siem-stream-cg");
    rig = await startRig({ permissions: { [TEST_OAUTH_APPLICATION.clientId]: allowed } });
    const report = await rig.run({ ...rig.env, MIMECAST_FEEDS: "siem-cg" });
    const check = checkNamed(report, "feed siem-cg");
    assert.equal(check.status, "warn");
    assert.match(check.detail, /event stream did not/);
    assert.match(check.detail, /403/);
  });

  test("the DCR probe is one row marked doctor-probe, in the connector health stream only", async () => {
    rig = await startRig();
    const report = await rig.run(rig.env);
    const check = checkNamed(report, "sentinel dcr");
    assert.equal(check.status, "ok");
    assert.deepEqual([...rig.fake.accepted.keys()], [CONNECTOR_HEALTH_STREAM.streamName]);
    const rows = rig.fake.acceptedRows(CONNECTOR_HEALTH_STREAM.streamName);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!["Status"], PROBE_STATUS);
  });

  test("a feed whose permission the role lacks fails, naming that permission; the others stay ok", async () => {
    const allowed = ENDPOINT_FAMILIES.filter((f) => f !== "dlp");
    rig = await startRig({ permissions: { [TEST_OAUTH_APPLICATION.clientId]: allowed } });
    const report = await rig.run(rig.env);

    assert.equal(report.exitCode, 1);
    const dlp = checkNamed(report, "feed dlp");
    assert.equal(dlp.status, "fail");
    assert.match(dlp.detail, /HTTP 403/);
    assert.ok(dlp.detail.includes(dlpFeed.permission), dlp.detail);
    assert.ok(dlp.fix?.includes(dlpFeed.permission));
    const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.name);
    assert.deepEqual(failed, ["feed dlp"]);
  });

  test("a role with no permission at all: every feed fails naming its own FeedSpec permission", async () => {
    rig = await startRig({ permissions: { [TEST_OAUTH_APPLICATION.clientId]: ["oauth-token"] } });
    const report = await rig.run(rig.env);
    const feeds = FEEDS.filter((f) => f.source !== "siem-v1");
    for (const feed of feeds) {
      const check = checkNamed(report, `feed ${feed.id}`);
      assert.equal(check.status, "fail", feed.id);
      assert.ok(check.detail.includes(`lacks "${feed.permission}"`), `${feed.id}: ${check.detail}`);
    }
    assert.equal(checkNamed(report, "mimecast auth").status, "ok");
  });

  test("API 1.0 with the default feeds: the SIEM 1.0 file feed is probed too", async () => {
    rig = await startRig();
    const report = await rig.run(rig.hmacEnv);
    assert.equal(report.exitCode, 0, formatReport(report));
    assert.equal(checkNamed(report, "feed siem-v1").status, "ok");
  });

  test("a wrong client secret is an authentication failure with its likely cause, and is never printed", async () => {
    rig = await startRig();
    const wrong = "wrong-secret-d41d8cd98f00b204";
    const report = await rig.run({ ...rig.env, MIMECAST_CLIENT_SECRET: wrong });

    assert.equal(report.exitCode, 1);
    const auth = checkNamed(report, "mimecast auth");
    assert.equal(auth.status, "fail");
    assert.match(auth.detail, /likely cause: wrong MIMECAST_CLIENT_ID \/ MIMECAST_CLIENT_SECRET/);
    assert.match(checkNamed(report, "feeds").detail, /not probed: Mimecast authentication failed/);
    assert.ok(
      !report.checks.some((c) => c.name.startsWith("feed ")),
      "feeds are not probed after auth failed",
    );
    assertAbsent(report, wrong);
  });

  test("an unreachable Mimecast fails auth with the network cause, after one bounded retry", async () => {
    rig = await startRig();
    await rig.sim.close();
    const report = await rig.run({ ...rig.env, MIMECAST_FEEDS: "dlp" });
    const auth = checkNamed(report, "mimecast auth");
    assert.equal(auth.status, "fail");
    assert.match(auth.detail, /ECONNREFUSED/);
    assert.match(auth.fix ?? "", /MIMECAST_BASE_URL/);
    assert.deepEqual(rig.clock.sleeps.length, 1);
  });

  test("API 1.0: good keys pass through the first feed's signed request; a wrong secret key fails auth", async () => {
    rig = await startRig();
    const good = await rig.run({ ...rig.hmacEnv, MIMECAST_FEEDS: "dlp,audit" });
    assert.deepEqual(statuses(good), {
      configuration: "ok",
      "mimecast auth": "ok",
      "feed dlp": "ok",
      "feed audit": "ok",
      "sentinel dcr": "ok",
    });

    const wrongKey = Buffer.from("not-the-simulator-secret-key-0042").toString("base64");
    const bad = await rig.run({ ...rig.hmacEnv, MIMECAST_FEEDS: "dlp,audit", MIMECAST_SECRET_KEY: wrongKey });
    const auth = checkNamed(bad, "mimecast auth");
    assert.equal(auth.status, "fail");
    assert.match(auth.detail, /likely cause: the API 1.0 application id\/key or access\/secret key is wrong/);
    assert.equal(bad.exitCode, 1);
    assertAbsent(bad, wrongKey);
    assertAbsent(bad, rig.sim.credentials.hmac!.appKey);
  });

  test("SIEM listing without a file for the last day warns that Enhanced Logging may be off (exit 0)", async () => {
    rig = await startRig({ eventsPerDay: { "siem-cg": 0 } });
    const report = await rig.run({ ...rig.env, MIMECAST_FEEDS: "siem-cg,dlp" });
    const siem = checkNamed(report, "feed siem-cg");
    assert.equal(siem.status, "warn");
    assert.match(siem.detail, /^no SIEM data: is Enhanced Logging enabled\?/);
    assert.match(siem.fix ?? "", /Enhanced Logging/);
    assert.equal(checkNamed(report, "feed dlp").status, "ok");
    assert.equal(report.exitCode, 0);
  });
});

describe("doctor: the DCE/DCR", () => {
  test("403 from the DCR: the identity lacks Monitoring Metrics Publisher", async () => {
    rig = await startRig();
    rig.fake.inject({ kind: "status", status: 403, times: Infinity });
    const report = await rig.run({ ...rig.env, MIMECAST_FEEDS: "dlp" });
    const dcr = checkNamed(report, "sentinel dcr");
    assert.equal(dcr.status, "fail");
    assert.match(dcr.detail, /^HTTP 403: the identity lacks Monitoring Metrics Publisher on the DCR/);
    assert.match(dcr.fix ?? "", /Monitoring Metrics Publisher/);
    assert.equal(report.exitCode, 1);
  });

  test("404 from the DCR: stream not in the DCR or wrong immutable id", async () => {
    rig = await startRig();
    const report = await rig.run(
      { ...rig.env, MIMECAST_FEEDS: "dlp" },
      { ruleId: "dcr-ffffffffffffffffffffffffffffffff" },
    );
    const dcr = checkNamed(report, "sentinel dcr");
    assert.equal(dcr.status, "fail");
    assert.match(dcr.detail, /^HTTP 404: stream not in the DCR \/ wrong DCR immutable id/);
    assert.match(dcr.fix ?? "", /MIMECAST_DCR_IMMUTABLE_ID/);

    rig.fake.inject({ kind: "status", status: 404 });
    const injected = await rig.run({ ...rig.env, MIMECAST_FEEDS: "dlp" });
    assert.match(checkNamed(injected, "sentinel dcr").detail, /^HTTP 404/);
  });
});
