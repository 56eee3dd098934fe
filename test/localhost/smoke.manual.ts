import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbedded } from "../../scripts/local/embedded";
import { manualClock } from "../../simulator/index";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { readTables } from "./helpers";

async function main(): Promise<void> {
  const NOW = Date.UTC(2024, 10, 18, 12, 7, 0);
  const dir = mkdtempSync(join(tmpdir(), "ms-smoke-"));
  const simClock = manualClock(NOW);
  const start = NOW - 2 * 86_400_000;
  const e = await startEmbedded({
    dataDir: dir,
    simClock,
    settings: {
      MIMECAST_FEEDS: "dlp,siem-cg",
      MIMECAST_LAG_SECONDS: "7200",
      MIMECAST_START_DATE: new Date(start).toISOString(),
      MIMECAST_LOG_LEVEL: "warn",
    },
  });
  const t0 = Date.now();
  await e.host.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input: { cycle: 0, maxCycles: 3 } });
  await e.host.idle();
  console.log("took", Date.now() - t0, "ms; sim now", new Date(simClock.now()).toISOString());
  const status = await e.host.getStatus(SUPERVISOR_INSTANCE_ID);
  console.log(JSON.stringify(status.runtimeStatus), JSON.stringify(status.output).slice(0, 1500));
  const tables = readTables(join(dir, "tables"));
  for (const [t, rows] of tables) console.log(t, rows.length);
  await e.close();
}
main().catch((e) => { console.error(e); process.exit(1); });
