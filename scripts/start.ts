/**
 * `npm start` — runs mimecast-sentinel locally through the local host: the same supervisor, backfill
 * orchestrator, activities and entities as the Functions app, on the local Durable engine (state in the
 * data directory's store).
 *
 * Settings come from ./local.settings.json ("Values") and the environment (scripts/local/settings.ts).
 * Without Mimecast credentials it starts the bundled Mimecast API simulator and the local NDJSON sink
 * (the embedded default) and says so; with them it ingests for real.
 */
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import { MultiBar, Presets } from "cli-progress";
import type { SingleBar } from "cli-progress";
import { ConfigError, loadConfig } from "../src/config";
import { ingestionStatus, nextCycle } from "../src/http/control";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../src/orchestrators/names";
import type { SupervisorInput } from "../src/orchestrators/supervisor";
import type { UnitResult, WorkUnit } from "../src/planning/types";
import { LocalHost, TOKEN_FILE } from "../src/localhost/localHost";
import { DurableStore, STORE_FILE, StoreLockedError } from "../src/localhost/store";
import type { LocalHostOptions } from "../src/localhost/localHost";
import { createRuntime } from "../src/runtime/runtime";
import { ownerLines, summaryTable } from "../src/runtime/statusSummary";
import type { SummaryCursor } from "../src/runtime/statusSummary";
import { createLogger } from "../src/shared/logger";
import { manualClock } from "../simulator/index";
import { BATCH_FILE_SLOT_MS } from "../simulator/core/slots";
import { startEmbedded } from "./local/embedded";
import type { Embedded } from "./local/embedded";
import { runDoctor } from "./local/doctorCommand";
import type { DoctorOptions } from "./local/doctorCommand";
import { LocalSettingsError, resolveLocalSettings } from "./local/settings";

interface RunOptions {
  once: boolean;
  cycles?: string;
  dataDir: string;
  port: string;
  seed: string;
  startDays: string;
  simTime?: string;
  fresh: boolean;
  quiet: boolean;
  progress: boolean;
}

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const isoSeconds = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + "Z";

async function run(options: RunOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  if (options.fresh) {
    new DurableStore(dataDir).close(); // refuses while another host runs on it
    rmSync(dataDir, { recursive: true, force: true });
  }
  const firstRun = !existsSync(join(dataDir, STORE_FILE));
  const cycles = options.once ? 1 : options.cycles !== undefined ? Number(options.cycles) : undefined;
  const local = resolveLocalSettings(process.env, { cwd: process.cwd(), dataDir });
  const progress = new Progress(
    options.progress && !options.quiet && process.stdout.isTTY === true,
    options.quiet,
  );
  const hooks: Pick<LocalHostOptions, "onStatus" | "onUnit"> = {
    onStatus: (id, status) => {
      if (id === SUPERVISOR_INSTANCE_ID) progress.status(status);
    },
    onUnit: (unit, result) => progress.unit(unit, result),
  };

  let host: LocalHost;
  let embedded: Embedded | undefined;
  if (local.mode === "real") {
    const config = loadConfig(local.settings, Date.now());
    say("mimecast-sentinel — local host with your settings");
    for (const note of local.notes) say(`  ${note}`);
    say(
      `  Mimecast ${config.mimecast.baseUrl} (API ${config.mimecast.apiVersion}); sink: ${config.sink.kind}`,
    );
    host = new LocalHost({ runtime: createRuntime(config), dataDir, ...hooks });
    if (firstRun) say(`  First run: history from ${isoSeconds(config.ingestion.startTimeMs)}, newest first.`);
  } else {
    const startDays = Number(options.startDays);
    const simStart = options.simTime !== undefined ? Date.parse(options.simTime) : undefined;
    const settings: Record<string, string> = {
      MIMECAST_START_DATE: new Date((simStart ?? Date.now()) - startDays * 86_400_000).toISOString(),
      MIMECAST_LOG_LEVEL: options.quiet ? "error" : "warn",
      ...local.settings,
    };
    embedded = await startEmbedded({
      dataDir,
      seed: Number(options.seed),
      ...(simStart !== undefined ? { simClock: manualClock(simStart) } : {}),
      settings,
      logger: createLogger({ level: options.quiet ? "error" : "warn" }),
      ...hooks,
    });
    host = embedded.host;
    say("mimecast-sentinel — local run on the embedded default");
    say("  No Mimecast credentials (MIMECAST_CLIENT_ID or MIMECAST_APP_ID), so this uses the bundled");
    say(
      `  Mimecast API simulator (${embedded.sim.url}, seed ${options.seed}${simStart !== undefined ? `, simulated clock from ${options.simTime}` : ""}).`,
    );
    for (const note of local.notes) say(`  ${note}`);
    if (firstRun) {
      say(
        local.settings["MIMECAST_START_DATE"] !== undefined
          ? `  First run: history from MIMECAST_START_DATE (${local.settings["MIMECAST_START_DATE"]}), newest first.`
          : `  First run: backfills ${startDays} day(s) of history (--start-days), newest first.`,
      );
    }
    say(
      `  SIEM batch files (Seg_Cg_CL, Cloud_Integrated_CL) are published every ${BATCH_FILE_SLOT_MS / 60_000} minutes, as Mimecast does:`,
    );
    say("  a cycle with 0 SIEM events between two files is normal, not a stall.");
  }
  say(`  tables: ${local.sinkDir} (one NDJSON file per table; MIMECAST_LOCAL_SINK_DIR moves it)`);

  const url = await host.listen(Number(options.port));
  say(`  store: ${join(dataDir, STORE_FILE)}${firstRun ? "" : " (resuming from its checkpoints)"}`);
  say(`  status page: ${url}/?code=${host.token}   status API: ${url}/api/ingestion/status`);
  say(`  control token (header x-functions-key; also in ${join(dataDir, TOKEN_FILE)}): ${host.token}`);
  const resumed = host.resumeInterrupted();
  if (resumed.length > 0) say(`  resuming after an interrupted run: ${resumed.join(", ")}`);

  let stopping = false;
  const stopped = new Promise<void>((resolveStop) => {
    const onSignal = (): void => {
      if (stopping) process.exit(130);
      stopping = true;
      say("\nstopping: letting in-flight windows finish and checkpoint (Ctrl-C again to abort)…");
      resolveStop();
      void host.stop();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });

  const previous = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
  if (resumed.length === 0 || cycles !== undefined) {
    if (String(previous?.runtimeStatus) !== "Running" || cycles !== undefined) {
      // Cycle numbers go on across runs, so (InstanceId, Cycle) in the health table never repeats.
      const cycle = nextCycle(previous);
      const input: SupervisorInput = {
        cycle,
        ...(cycles !== undefined ? { maxCycles: cycle + cycles } : {}),
      };
      if (String(previous?.runtimeStatus) === "Running")
        await host.terminate(SUPERVISOR_INSTANCE_ID, "restarted by npm start");
      await host.idle();
      await host.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input });
    }
  }
  say(
    cycles === undefined
      ? "  running continuously on the schedule — Ctrl-C to stop\n"
      : `  running ${cycles} cycle(s)\n`,
  );
  await host.idle();
  // An operator's terminate stops the supervisor, not npm start: the control API stays up so that
  // POST /api/ingestion/start can resume it. Only Ctrl-C (or --once/--cycles) ends the process.
  while (cycles === undefined && !stopping) {
    const status = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
    if (String(status?.runtimeStatus) !== "Terminated") break;
    progress.pause();
    say(`\nthe supervisor was terminated (${String(status?.output)}).`);
    say(
      `  npm start keeps serving ${url}: curl -X POST ${url}/api/ingestion/start resumes it; Ctrl-C exits.`,
    );
    await Promise.race([stopped, waitForRunning(host)]);
    if (stopping) break;
    say("the supervisor was started again\n");
    await host.idle();
  }
  progress.stop();
  await host.stop();

  const final = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
  const failing = await printSummary(host, progress, local.sinkDir);
  await embedded?.close();
  if (String(final?.runtimeStatus) === "Failed") {
    say(`the supervisor failed: ${String(final?.output)}`);
    return 1;
  }
  // --once must fail when any unit of the cycle failed, not only after three failures in a row.
  return cycles !== undefined && progress.lastUnitsFailed + failing > 0 ? 1 : 0;
}

/** Resolves when the supervisor runs again (started through the control API); polls the state. */
async function waitForRunning(host: LocalHost): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const status = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
    if (String(status?.runtimeStatus) === "Running") return;
  }
}

/**
 * The exit table, in every mode (after --once, Ctrl-C or a terminate): read from the checkpoints
 * through the status route, so it shows what GET /api/ingestion/status shows. Returns failing cursors.
 */
async function printSummary(host: LocalHost, progress: Progress, sinkDir: string): Promise<number> {
  const response = await ingestionStatus(host.controlDeps("npm start"));
  const cursors = (response.body["cursors"] ?? []) as SummaryCursor[];
  const done = progress.cyclesDone;
  say(
    `\n${done === 0 ? "no cycle finished in this run" : `${done} cycle(s) finished in this run (last: cycle ${progress.lastCycle})`}; ${host.runtime.config.sink.kind} sink${host.runtime.config.sink.kind === "local" ? ` (${sinkDir})` : ""}:`,
  );
  say(summaryTable(cursors));
  for (const owner of ownerLines(cursors)) say(owner);
  return cursors.filter((c) => c.status === "failing").length;
}

interface CycleTally {
  cycle: number;
  planned: number;
  done: number;
  events: number;
  deadLettered: number;
  failed: number;
}

/**
 * What runs on screen: with a terminal, a bar per feed for the cycle in progress; in every case one line
 * per finished cycle (number, time, units done/planned, events, dead-letters, errors), so pipes, CI and
 * container logs see the same as a terminal.
 */
class Progress {
  private multibar: MultiBar | undefined;
  private readonly bars = new Map<string, SingleBar>();
  private readonly perFeed = new Map<string, { done: number; events: number }>();
  private current: CycleTally | undefined;
  cyclesDone = 0;
  lastCycle: number | undefined;
  lastUnitsFailed = 0;

  constructor(
    private readonly withBars: boolean,
    private readonly quiet: boolean,
  ) {}

  status(status: unknown): void {
    const s = status as {
      phase?: string;
      cycle?: number;
      units?: number;
      unitsPerFeed?: Record<string, number>;
      finishedAt?: number;
      nextTickAt?: number;
      unitsFailed?: number;
    };
    if (s.phase === "ingesting" && s.unitsPerFeed) this.begin(s.cycle ?? 0, s.unitsPerFeed);
    else if (s.phase === "sleeping") this.end(s);
  }

  private begin(cycle: number, unitsPerFeed: Record<string, number>): void {
    const planned = Object.values(unitsPerFeed).reduce((a, b) => a + b, 0);
    this.current = { cycle, planned, done: 0, events: 0, deadLettered: 0, failed: 0 };
    this.perFeed.clear();
    if (!this.withBars) return;
    this.pause();
    this.multibar = new MultiBar(
      {
        format: " {feed} |{bar}| {value}/{total} units | {events} events",
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    say(`cycle ${cycle}: ${planned} units planned`);
    for (const [feed, total] of Object.entries(unitsPerFeed)) {
      this.bars.set(feed, this.multibar.create(total, 0, { feed: feed.padEnd(22), events: 0 }));
    }
  }

  private end(s: { cycle?: number; finishedAt?: number; nextTickAt?: number; unitsFailed?: number }): void {
    const tally = this.current ?? {
      cycle: s.cycle ?? 0,
      planned: 0,
      done: 0,
      events: 0,
      deadLettered: 0,
      failed: 0,
    };
    this.current = undefined;
    this.pause();
    this.cyclesDone += 1;
    this.lastCycle = s.cycle ?? tally.cycle;
    this.lastUnitsFailed = s.unitsFailed ?? tally.failed;
    if (this.quiet) return;
    const parts = [
      `cycle ${this.lastCycle} done`,
      s.finishedAt !== undefined ? isoSeconds(s.finishedAt) : "",
      `${tally.done}/${tally.planned} units`,
      `${tally.events} events`,
      `${tally.deadLettered} dead-lettered`,
      `${this.lastUnitsFailed} error(s)`,
    ];
    if (s.nextTickAt !== undefined) parts.push(`next ${isoSeconds(s.nextTickAt)}`);
    say(parts.filter((p) => p !== "").join(" · "));
  }

  unit(unit: WorkUnit, result: UnitResult): void {
    const tally = this.current;
    if (!tally) return;
    tally.done += 1;
    tally.events += result.counts.ingested;
    tally.deadLettered += result.counts.deadLettered;
    if (result.kind === "failed") tally.failed += 1;
    const feed = this.perFeed.get(unit.feedId) ?? { done: 0, events: 0 };
    feed.done += 1;
    feed.events += result.counts.ingested;
    this.perFeed.set(unit.feedId, feed);
    const bar = this.bars.get(unit.feedId);
    if (bar) {
      // Partial units continue within the cycle: the bar grows rather than overflowing.
      if (feed.done > bar.getTotal()) bar.setTotal(feed.done);
      bar.update(feed.done, { events: feed.events });
    }
  }

  /** Leaves the bars drawn as they are and releases the terminal for plain lines. */
  pause(): void {
    this.multibar?.stop();
    this.multibar = undefined;
    this.bars.clear();
  }

  stop(): void {
    this.pause();
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm start --")
    .description(
      "Run mimecast-sentinel locally (simulator + local sink unless MIMECAST_* settings are set).",
    );
  program
    .command("run", { isDefault: true })
    .description("run the supervisor in the local host (default)")
    .option("--once", "run one cycle and exit; exit code 1 if any feed is failing", false)
    .option("--cycles <n>", "run this many cycles and exit")
    .option("--data-dir <dir>", "where the engine's store and the NDJSON tables go", ".local")
    .option("--port <n>", "control API port on 127.0.0.1 (0 = any free port)", "0")
    .option("--seed <n>", "simulator seed (embedded default only)", "1")
    .option("--start-days <n>", "history to backfill on the first run (embedded default only)", "2")
    .addOption(
      new Option(
        "--sim-time <iso>",
        "run the simulator on a simulated clock from this instant (timers advance it)",
      ),
    )
    .option("--fresh", "delete the data directory first", false)
    .option("--quiet", "only the summary", false)
    .option("--no-progress", "no progress bars")
    .action(async (options: RunOptions) => {
      process.exitCode = await run(options);
    });
  program
    .command("doctor")
    .description(
      "check settings, Mimecast access per feed, Key Vault and the DCE/DCR; non-zero exit on problems",
    )
    .option("--json", "print the report as JSON")
    .option(
      "--simulator",
      "check the bundled Mimecast API simulator instead of your settings (a demonstration)",
    )
    .option(
      "--sim-deny <families>",
      "with --simulator: endpoint families the role may not call, e.g. dlp,audit",
    )
    .action(async (options: DoctorOptions) => {
      process.exitCode = await runDoctor(process.env, options);
    });
  await program.parseAsync(process.argv);
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof StoreLockedError ||
    error instanceof LocalSettingsError
  ) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
