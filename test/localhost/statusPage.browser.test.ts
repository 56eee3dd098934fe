import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { chromium } from "playwright-core";
import { startEmbedded } from "../../scripts/local/embedded";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { manualClock } from "../../simulator/index";

const CHROMIUM = "/usr/bin/chromium";
const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);

describe("the local host's status page (headless Chromium)", () => {
  it("renders one row per cursor with the status route's status, events and dead-letters, and the two charts", async (t) => {
    if (!existsSync(CHROMIUM)) {
      // Under CI the browser is installed by .ci/run; a missing one there is a failure, not a skip.
      assert.notEqual(process.env["CI"], "true", `${CHROMIUM} is missing under CI=true`);
      t.skip(`no ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\` to run this test`);
      return;
    }
    const dataDir = mkdtempSync(join(tmpdir(), "ms-page-"));
    const userDataDir = mkdtempSync(join(tmpdir(), "ms-chromium-"));
    const e = await startEmbedded({
      dataDir,
      seed: 3,
      simClock: manualClock(NOW),
      simulator: { eventsPerDay: 100 },
      settings: {
        MIMECAST_FEEDS: "dlp,siem-ci",
        MIMECAST_START_DATE: new Date(NOW - 86_400_000).toISOString(),
        MIMECAST_LOG_LEVEL: "error",
      },
    });
    // A fresh profile per run (persistent context = its own --user-data-dir), nothing from the network.
    const context = await chromium
      .launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        timeout: 60_000,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-background-networking",
          "--disable-quic",
          "--no-first-run",
          "--disable-component-update",
          "--disable-sync",
        ],
      })
      .catch(async (error: unknown) => {
        await e.close();
        throw error;
      });
    try {
      const url = await e.host.listen(0);
      await e.host.startNew(FUNCTIONS.supervisor, {
        instanceId: SUPERVISOR_INSTANCE_ID,
        input: { cycle: 0, maxCycles: 1 },
      });
      await e.host.idle();
      const status = (await (
        await fetch(`${url}/api/ingestion/status`, { headers: { "x-functions-key": e.host.token } })
      ).json()) as {
        cursors: {
          cursor: string;
          status: string;
          eventsTotal: number;
          deadLettered: number;
          owner?: string;
          ownerReason?: string;
          ownerSince?: string;
          table?: string;
        }[];
      };
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`${url}/?code=${e.host.token}`);
      await page.goto(`${url}/?code=${e.host.token}`); // a second sample for the charts
      const rows = await page.$$eval("#cursors tbody tr", (trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent?.trim() ?? "")),
      );
      assert.equal(rows.length, status.cursors.length, "one row per cursor");
      for (const c of status.cursors) {
        const row = rows.find((r) => r[1] === c.cursor);
        assert.ok(row, `row for ${c.cursor}`);
        // SIEM types name the path that owns them (batch or stream); other cursors the supervisor.
        assert.equal(row[2], c.owner ?? SUPERVISOR_INSTANCE_ID, "owner");
        assert.equal(row[3], c.status);
        assert.equal(row[5], String(c.eventsTotal));
        assert.equal(row[7], String(c.deadLettered));
        // Local files: the table alone (a Sentinel deployment shows "table → DCR immutable id").
        assert.equal(row[9], c.table, "destination table");
        // SIEM types: why their path owns them and since when; other cursors nothing.
        const why = c.ownerReason ? `${c.ownerReason}${c.ownerSince ? ` (since ${c.ownerSince})` : ""}` : "";
        assert.equal(row[10], why, "owner's reason");
        if (c.cursor.startsWith("siem-"))
          assert.ok(c.ownerReason && c.ownerSince, `${c.cursor}: reason and since`);
      }
      assert.ok(
        status.cursors.some((c) => c.eventsTotal > 0),
        "the run ingested something to show",
      );
      assert.equal(await page.locator("svg polyline").count(), 2, "lag and throughput charts");
      assert.equal(
        await page.getAttribute('meta[http-equiv="refresh"]', "content"),
        "5",
        "the page reloads itself",
      );
    } finally {
      await context.close();
      await e.close();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(userDataDir, { recursive: true, force: true });
    }
  });
});
