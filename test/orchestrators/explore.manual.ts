import { captureRegistrations } from "../helpers/registrations";
import path from "node:path";
import { driveToEnd } from "./driver";
import { FUNCTIONS } from "../../src/orchestrators/names";
import { initialCheckpoint } from "../../src/planning/checkpoint";
import { zeroCounts } from "../../src/ingest/types";

const regs = captureRegistrations(path.resolve(__dirname, "../../src/index.js"));
const sup = regs.find((r) => r.name === FUNCTIONS.supervisor)!;
const NOW = Date.UTC(2024, 10, 18, 12, 0, 0);
const D = 86_400_000;
const settings = {
  cursors: [{ key: "dlp", feedId: "dlp", kind: "time-window", maxWindowMs: D, retentionDays: 90, lagMs: 300000 }],
  startTimeMs: NOW - 3 * D, schedule: "0 */5 * * * *", maxParallel: 4, maxPerFeed: 2, maxBackfillWindowsPerCycle: 8, maxContinuationsPerCycle: 10,
};
void (async () => {
  const r = await driveToEnd(sup.options["handler"] as never, FUNCTIONS.supervisor, { cycle: 0 }, NOW, (a) => {
    if (a.functionName === FUNCTIONS.readCycleSettings) return { complete: settings };
    if (a.actionType === 7) return { complete: initialCheckpoint("dlp") };
    if (a.functionName === FUNCTIONS.ingestUnit) return { complete: { kind: "completed", counts: { ...zeroCounts(), ingested: 5 }, resume: {} } };
    return { complete: null };
  });
  console.log(r.episodes, r.state.isDone, r.state.error);
  console.log(r.actions.map((a) => `${a.actionType}:${a.functionName ?? a.operation ?? a.fireAt ?? ""}`).join("\n"));
})();
