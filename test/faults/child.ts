/**
 * The local host as a process the fault suite can kill -9 (see harness.ts runKills): the embedded
 * simulator and local NDJSON sink, the engine's store in the data directory. Configured by FAULTS_CHILD (JSON).
 * A restarted child resumes the simulated time where the state file left it, so time never goes back.
 */
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { STORE_FILE } from "../../src/localhost/store";
import { silentLogger } from "../../src/shared/logger";
import { LocalSink } from "../../src/sentinel/localSink";
import type { Sink } from "../../src/sentinel/sink";
import { tableNameOfStream } from "../../src/sentinel/streams";
import { manualClock, realClock } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";
import { readState } from "./state";
import type { ChildConfig } from "./harness";
import { END_FILE, REQUEST_LOG, STARTS_FILE, lastRequestAt, latestTime } from "./harness";

/**
 * The local sink, with a request log beside it — the stand-in for Sentinel's own request log: one line
 * per upload call (one service request) with the rows it stored, written synchronously once the rows
 * are on disk, so the oracle can bound a kill's re-send by one request without asking the connector.
 */
function recordingSink(directory: string, log: string): Sink {
  const local = new LocalSink({ directory, logger: silentLogger });
  return {
    sendsPrepared: local.sendsPrepared,
    upload: async (stream, rows, options) => {
      const outcome = await local.upload(stream, rows, options);
      if (outcome.accepted > 0)
        appendFileSync(
          log,
          `${JSON.stringify({ table: tableNameOfStream(stream.streamName), rows: outcome.accepted })}\n`,
        );
      return outcome;
    },
  };
}

/** Simulated time a restart takes (the real one: process start, store open, replay). */
const RESTART_MS = 1_000;

async function main(): Promise<void> {
  const config = JSON.parse(process.env["FAULTS_CHILD"] ?? "") as ChildConfig;
  const statePath = join(config.dataDir, STORE_FILE);
  // A restart takes time: resume after the last instant the dead process used, never at it. (At the
  // same instant, a new supervisor's run stamps would sort before the dead one's and its results be
  // taken for stale ones: only a simulated clock can restart without time passing.)
  const resumeAt = Math.max(
    config.simStart,
    existsSync(statePath) ? latestTime(readState(config.dataDir)) + RESTART_MS : 0,
  );
  const simClock = config.clock === "manual" ? manualClock(resumeAt) : realClock();
  simClock.set(resumeAt);
  const unitLog = join(config.dataDir, "units.ndjson");
  const embedded = await startEmbedded({
    dataDir: config.dataDir,
    seed: config.seed,
    simClock,
    simulator: { eventsPerDay: config.eventsPerDay, startOfData: config.startOfData },
    settings: {
      MIMECAST_START_DATE: new Date(config.startMs).toISOString(),
      MIMECAST_LOG_LEVEL: "error",
    },
    logger: silentLogger,
    sink: recordingSink(join(config.dataDir, "tables"), join(config.dataDir, REQUEST_LOG)),
    ...(config.unitBudgetMs !== undefined ? { unitBudgetMs: config.unitBudgetMs } : {}),
    ...(config.atLeastOnce ? { atLeastOnce: config.atLeastOnce } : {}),
    onUnit: (unit, result) =>
      appendFileSync(
        unitLog,
        `${JSON.stringify({ kind: unit.kind, key: unit.key, fetched: result.counts.fetched })}\n`,
      ),
  });
  const { host } = embedded;
  const status = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
  const running = String(status?.runtimeStatus) === "Running";
  // Up: the harness times its kill from this line (and a kept run shows what each process found).
  appendFileSync(
    join(config.dataDir, STARTS_FILE),
    `${JSON.stringify({ pid: process.pid, resumeAt, status: status?.runtimeStatus, output: status?.output })}\n`,
  );
  if (config.restartSupervisor || !running) {
    if (running) await host.terminate(SUPERVISOR_INSTANCE_ID, "fault suite: new run");
    await host.startNew(FUNCTIONS.supervisor, {
      instanceId: SUPERVISOR_INSTANCE_ID,
      input: { cycle: 0, maxCycles: config.maxCycles },
    });
  } else {
    host.resumeInterrupted();
  }
  await host.idle();
  const final = await host.getStatus(SUPERVISOR_INSTANCE_ID);
  // The oracle's "end of the run" comes from the simulator, not from the connector's state.
  writeFileSync(
    join(config.dataDir, END_FILE),
    JSON.stringify({ lastRequestAt: lastRequestAt(embedded.sim) }),
  );
  await embedded.close();
  if (String(final.runtimeStatus) !== "Completed") {
    process.stderr.write(`supervisor ${String(final.runtimeStatus)}: ${String(final.output)}\n`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
