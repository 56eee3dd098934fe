import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { EmbeddedOptions } from "../../scripts/local/embedded";
import { startEmbedded } from "../../scripts/local/embedded";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import type { CheckpointState } from "../../src/planning/types";
import { cycleSettingsFrom } from "../../src/runtime/cycleSettings";
import { silentLogger } from "../../src/shared/logger";
import { manualClock } from "../../simulator/index";

const NOW = Date.parse("2024-11-18T12:07:00Z");
const DAY = 86_400_000;

/** Two supervisor cycles on the engine; the checkpoints they leave, by cursor. */
async function checkpointsAfterRun(
  atLeastOnce?: EmbeddedOptions["atLeastOnce"],
): Promise<Map<string, CheckpointState>> {
  const dataDir = mkdtempSync(join(tmpdir(), "at-least-once-"));
  const e = await startEmbedded({
    dataDir,
    seed: 3,
    simClock: manualClock(NOW),
    simulator: { eventsPerDay: 200 },
    settings: {
      MIMECAST_FEEDS: "dlp,audit",
      MIMECAST_START_DATE: new Date(NOW - 2 * DAY).toISOString(),
      MIMECAST_LOG_LEVEL: "error",
    },
    logger: silentLogger,
    ...(atLeastOnce ? { atLeastOnce } : {}),
  });
  try {
    await e.host.startNew(FUNCTIONS.supervisor, {
      instanceId: SUPERVISOR_INSTANCE_ID,
      input: { cycle: 0, maxCycles: 2 },
    });
    await e.host.idle();
    assert.equal(String((await e.host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus), "Completed");
    const out = new Map<string, CheckpointState>();
    for (const cursor of cycleSettingsFrom(e.host.runtime.config).cursors) {
      const read = await e.host.readEntityState<CheckpointState>({
        name: FUNCTIONS.checkpoint,
        key: cursor.key,
      });
      if (read.entityState) out.set(cursor.key, read.entityState);
    }
    return out;
  } finally {
    await e.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const ALL = { duplicateActivities: true, duplicateMessages: true, crashBetweenSendAndCommit: true };

describe("at-least-once delivery on the engine (the app's registered handlers)", () => {
  it("duplicated activity executions and messages leave every watermark where a single execution leaves it", async () => {
    const once = await checkpointsAfterRun();
    const twice = await checkpointsAfterRun(ALL);
    assert.deepEqual([...twice.keys()].sort(), [...once.keys()].sort());
    for (const [key, state] of once) {
      assert.ok(state.watermark !== undefined, `${key} advanced`);
      assert.equal(twice.get(key)?.watermark, state.watermark, `${key}: watermark`);
    }
  });

  it("duplicated record messages count each unit once in the checkpoint totals", async () => {
    const once = await checkpointsAfterRun();
    const twice = await checkpointsAfterRun(ALL);
    for (const [key, state] of once) assert.deepEqual(twice.get(key)?.totals, state.totals, `${key}: totals`);
  });
});
