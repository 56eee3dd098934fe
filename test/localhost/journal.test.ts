import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import type { UnitResult, WorkUnit } from "../../src/planning/types";
import type { LocalHost } from "../../src/localhost/localHost";
import { manualClock } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";
import type { Embedded } from "../../scripts/local/embedded";

const NOW = Date.parse("2024-11-18T12:07:00Z");
const HOUR = 3_600_000;

/** A host over `dataDir`'s store, as a (re)started process builds it. */
function embeddedOn(
  dataDir: string,
  options: { unitBudgetMs?: number; dlpPerDay?: number } = {},
): Promise<Embedded> {
  return startEmbedded({
    dataDir,
    simClock: manualClock(NOW),
    settings: { MIMECAST_FEEDS: "dlp", MIMECAST_START_DATE: new Date(NOW - 6 * HOUR).toISOString() },
    ...(options.dlpPerDay !== undefined ? { simulator: { eventsPerDay: { dlp: options.dlpPerDay } } } : {}),
    ...(options.unitBudgetMs !== undefined ? { unitBudgetMs: options.unitBudgetMs } : {}),
  });
}

async function withHost(
  dataDir: string,
  run: (host: LocalHost) => Promise<void>,
  options: { unitBudgetMs?: number; dlpPerDay?: number } = {},
): Promise<void> {
  const embedded = await embeddedOn(dataDir, options);
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

const startSupervisor = (host: LocalHost, maxCycles = 1): Promise<string> =>
  host.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input: { cycle: 0, maxCycles } });

describe("local engine: in-flight activities", () => {
  it("leaves nothing in flight after a clean run: every started unit completed", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "journal-"));
    try {
      await withHost(dataDir, async (host) => {
        await startSupervisor(host);
        await host.idle();
        assert.equal((await host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus, "Completed");
        const state = host.snapshot();
        assert.deepEqual(state.inFlight, {});
        assert.equal(state.interrupted, undefined);
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("reports a unit started but never completed (the process died) as interrupted at the next start, once, and runs it again", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "journal-"));
    try {
      const first = await embeddedOn(dataDir);
      let killedUnit: WorkUnit | undefined;
      const original = first.host.activities[FUNCTIONS.ingestUnit]!;
      first.host.activities[FUNCTIONS.ingestUnit] = async (input) => {
        killedUnit ??= (input as { unit: WorkUnit }).unit;
        first.host.crash();
        return original(input);
      };
      await startSupervisor(first.host);
      await first.host.idle();
      await first.sim.close();
      assert.ok(killedUnit, "a unit started before the crash");

      const ran: WorkUnit[] = [];
      const second = await embeddedOn(dataDir);
      try {
        assert.deepEqual(
          second.host.interruptedAtStart.map((u) => u.unit),
          [killedUnit],
        );
        const again = second.host.activities[FUNCTIONS.ingestUnit]!;
        second.host.activities[FUNCTIONS.ingestUnit] = async (input) => {
          ran.push((input as { unit: WorkUnit }).unit);
          return again(input);
        };
        assert.deepEqual(second.host.resumeInterrupted(), [SUPERVISOR_INSTANCE_ID]);
        await second.host.idle();
        assert.equal((await second.host.getStatus(SUPERVISOR_INSTANCE_ID)).runtimeStatus, "Completed");
        assert.deepEqual(ran[0], killedUnit, "the redelivered work item runs first");
      } finally {
        await second.close();
      }
      await withHost(dataDir, (host) => {
        assert.equal(host.interruptedAtStart.length, 0, "found once, not at every start");
        assert.equal(host.interruptedUnits().length, 1, "and kept in the store's log");
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
