import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { checkpointEntityId } from "../../src/orchestrators/dispatch";
import type { IngestUnitInput } from "../../src/orchestrators/dispatch";
import type { UnitResult, WorkUnit } from "../../src/planning/types";
import type { LocalHost } from "../../src/localhost/localHost";
import type { LocalState } from "../../src/localhost/stateStore";
import { manualClock } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";

const NOW = Date.parse("2024-11-18T12:07:00Z");
const HOUR = 3_600_000;

/** A host over `dataDir`'s state file, as a (re)started process builds it. */
async function withHost(
  dataDir: string,
  run: (host: LocalHost) => Promise<void>,
  options: { unitBudgetMs?: number; dlpPerDay?: number } = {},
): Promise<void> {
  const embedded = await startEmbedded({
    dataDir,
    simClock: manualClock(NOW),
    settings: { MIMECAST_FEEDS: "dlp", MIMECAST_START_DATE: new Date(NOW - 6 * HOUR).toISOString() },
    ...(options.dlpPerDay !== undefined ? { simulator: { eventsPerDay: { dlp: options.dlpPerDay } } } : {}),
    ...(options.unitBudgetMs !== undefined ? { unitBudgetMs: options.unitBudgetMs } : {}),
  });
  try {
    await run(embedded.host);
  } finally {
    await embedded.close();
  }
}

const window = (from: number): Extract<WorkUnit, { kind: "time-window" }> => ({
  kind: "time-window",
  key: "dlp",
  feedId: "dlp",
  from,
  to: from + HOUR,
  origin: NOW - 6 * HOUR,
});

const stateOf = (dataDir: string): LocalState =>
  JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as LocalState;

describe("local host in-flight journal", () => {
  it("leaves nothing in flight after a clean run: every started unit was recorded", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "journal-"));
    try {
      await withHost(dataDir, async (host) => {
        await host.startNew(FUNCTIONS.supervisor, {
          instanceId: SUPERVISOR_INSTANCE_ID,
          input: { cycle: 0, maxCycles: 1 },
        });
        await host.idle();
        assert.equal((await host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus, "Completed");
      });
      const state = stateOf(dataDir);
      assert.deepEqual(state.inFlight, {});
      assert.equal(state.interrupted, undefined);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("reports a unit started but never recorded (kill -9) as interrupted at the next start, once", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "journal-"));
    try {
      const killed = window(NOW - 3 * HOUR);
      const recorded = window(NOW - 4 * HOUR);
      await withHost(dataDir, async (host) => {
        const ingest = host.activities[FUNCTIONS.ingestUnit]!;
        for (const unit of [killed, recorded]) {
          const input: IngestUnitInput = { unit, budgetMs: 60_000 };
          const result = (await ingest(input)) as UnitResult;
          assert.equal(result.kind, "completed");
          if (unit === recorded)
            await host.signalEntity(checkpointEntityId("dlp"), "record", { unit, result, at: NOW });
        }
        assert.deepEqual(Object.keys(stateOf(dataDir).inFlight ?? {}), [`dlp@${killed.from}-${killed.to}`]);
      });
      // The "restart": a host built over the state file the killed one left.
      await withHost(dataDir, (host) => {
        assert.deepEqual(
          host.interruptedAtStart.map((u) => u.unit),
          [killed],
        );
        assert.equal(host.interruptedUnits().length, 1);
        assert.deepEqual(stateOf(dataDir).inFlight, {});
        return Promise.resolve();
      });
      await withHost(dataDir, (host) => {
        assert.equal(host.interruptedAtStart.length, 0, "found once, not at every start");
        assert.equal(host.interruptedUnits().length, 1, "and kept in the state file's log");
        return Promise.resolve();
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("caps each unit's time budget at unitBudgetMs", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "journal-"));
    try {
      await withHost(
        dataDir,
        async (host) => {
          // A budget already used up: a window of many pages stops at its first page boundary.
          const result = (await host.activities[FUNCTIONS.ingestUnit]!({
            unit: { ...window(NOW - 5 * HOUR), to: NOW - HOUR },
            budgetMs: 600_000,
          })) as UnitResult;
          assert.equal(result.kind, "partial");
        },
        { unitBudgetMs: 0, dlpPerDay: 200_000 },
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
