/**
 * `npm start` — runs mimecast-sentinel locally through the local host: the same supervisor, backfill
 * orchestrator, activities and checkpoint reducers as the Functions app, with state in a local file.
 *
 * With no Mimecast settings it starts the bundled Mimecast API simulator and the local NDJSON sink (the
 * embedded default) and says so. With MIMECAST_* settings in the environment it ingests for real.
 */
import { rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command, Option } from "commander";
import * as df from "durable-functions";
import { MultiBar, Presets } from "cli-progress";
import type { SingleBar } from "cli-progress";
import { ConfigError, loadConfig } from "../src/config";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../src/orchestrators/names";
import type { CycleReport, SupervisorInput } from "../src/orchestrators/supervisor";
import type { CheckpointState, UnitResult, WorkUnit } from "../src/planning/types";
import { ownerOf } from "../src/ingest/siemOwner";
import { LocalHost } from "../src/localhost/localHost";
import type { LocalHostOptions } from "../src/localhost/localHost";
import { createRuntime } from "../src/runtime/runtime";
import { createLogger } from "../src/shared/logger";
import { manualClock } from "../simulator/index";
import { startEmbedded } from "./local/embedded";
import type { Embedded } from "./local/embedded";
import { runDoctor } from "./local/doctorCommand";
import type { DoctorOptions } from "./local/doctorCommand";

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

/** Real settings present? Then this is not the embedded default. */
function hasMimecastSettings(env: NodeJS.ProcessEnv): boolean {
  return ["MIMECAST_CLIENT_ID", "MIMECAST_APP_ID", "MIMECAST_BASE_URL"].some((name) => env[name]);
}

async function run(options: RunOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
  const maxCycles = options.once ? 1 : options.cycles !== undefined ? Number(options.cycles) : undefined;
  const progress = new Progress(options.progress && !options.quiet && process.stdout.isTTY === true);
  const hooks: Pick<LocalHostOptions, "onStatus" | "onUnit"> = {
    onStatus: (_id, status) => progress.status(status),
    onUnit: (unit, result) => progress.unit(unit, result),
  };

  let host: LocalHost;
  let embedded: Embedded | undefined;
  if (hasMimecastSettings(process.env)) {
    const config = loadConfig(process.env, Date.now());
    say("mimecast-sentinel — local host with your settings");
    say(
      `  Mimecast ${config.mimecast.baseUrl} (API ${config.mimecast.apiVersion}); sink: ${config.sink.kind}`,
    );
    host = new LocalHost({
      runtime: createRuntime(config),
      statePath: join(dataDir, "state.json"),
      ...hooks,
    });
  } else {
    const startDays = Number(options.startDays);
    const simStart = options.simTime !== undefined ? Date.parse(options.simTime) : undefined;
    embedded = await startEmbedded({
      dataDir,
      seed: Number(options.seed),
      ...(simStart !== undefined ? { simClock: manualClock(simStart) } : {}),
      settings: {
        MIMECAST_START_DATE: new Date((simStart ?? Date.now()) - startDays * 86_400_000).toISOString(),
        MIMECAST_LOG_LEVEL: options.quiet ? "error" : "warn",
        ...pick(process.env, [
          "MIMECAST_FEEDS",
          "MIMECAST_LAG_SECONDS",
          "MIMECAST_SCHEDULE",
          "MIMECAST_TABLE_NAMES",
        ]),
      },
      logger: createLogger({ level: options.quiet ? "error" : "warn" }),
      ...hooks,
    });
    host = embedded.host;
    say("mimecast-sentinel — local run on the embedded default");
    say("  No Mimecast settings in the environment, so this uses the bundled Mimecast API simulator");
    say(
      `  (${embedded.sim.url}, seed ${options.seed}${simStart !== undefined ? `, simulated clock from ${options.simTime}` : ""})`,
    );
    say(
      `  and writes Sentinel rows as NDJSON to ${join(dataDir, "tables")}. First run backfills ${startDays} day(s).`,
    );
  }

  const url = await host.listen(Number(options.port));
  say(`  state: ${join(dataDir, "state.json")}   control API: ${url}/api/ingestion/status`);
  const resumed = host.resumeInterrupted();
  if (resumed.length > 0) say(`  resuming after an interrupted run: ${resumed.join(", ")}`);

  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    say("\nstopping: letting in-flight windows finish and checkpoint (Ctrl-C again to abort)…");
    void host.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  if (resumed.length === 0 || maxCycles !== undefined) {
    const status = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
    if (String(status?.runtimeStatus) !== "Running" || maxCycles !== undefined) {
      const input: SupervisorInput = { cycle: 0, ...(maxCycles !== undefined ? { maxCycles } : {}) };
      if (String(status?.runtimeStatus) === "Running")
        await host.terminate(SUPERVISOR_INSTANCE_ID, "restarted by npm start");
      await host.idle();
      await host.startNew(FUNCTIONS.supervisor, { instanceId: SUPERVISOR_INSTANCE_ID, input });
    }
  }
  say(
    maxCycles === undefined
      ? "  running continuously on the schedule — Ctrl-C to stop\n"
      : `  running ${maxCycles} cycle(s)\n`,
  );
  await host.idle();
  progress.stop();
  await host.stop();

  const final = await host.getStatus(SUPERVISOR_INSTANCE_ID).catch(() => undefined);
  const report = (final?.output ?? final?.customStatus) as CycleReport | undefined;
  const failed = printSummary(host, report, await siemOwners(host, report));
  await embedded?.close();
  if (String(final?.runtimeStatus) === "Failed") {
    say(`the supervisor failed: ${String(final?.output)}`);
    return 1;
  }
  return maxCycles !== undefined && failed > 0 ? 1 : 0;
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Which path owns each SIEM type (from its checkpoint), for the summary's "path" column. */
async function siemOwners(host: LocalHost, report: CycleReport | undefined): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  for (const c of report && Array.isArray(report.cursors) ? report.cursors : []) {
    if (!c.feedId.startsWith("siem-c")) continue;
    const read = await host.readEntityState<CheckpointState>(new df.EntityId(FUNCTIONS.checkpoint, c.key));
    if (read.entityState) owners.set(c.key, ownerOf(read.entityState.cursor).why);
  }
  return owners;
}

/** The end-of-run table: one line per cursor. Returns how many cursors are failing. */
function printSummary(
  host: LocalHost,
  report: CycleReport | undefined,
  owners: ReadonlyMap<string, string>,
): number {
  const cursors = report && Array.isArray(report.cursors) ? report.cursors : [];
  if (cursors.length === 0) {
    say("no cycle finished yet");
    return 0;
  }
  const rows = cursors.map((c) => ({
    cursor: c.key,
    status: c.status,
    "events (cycle)": c.eventsLastCycle,
    "events (total)": c.eventsTotal,
    "dead-lettered": c.deadLettered,
    watermark: c.watermark !== undefined ? new Date(c.watermark).toISOString().slice(0, 19) + "Z" : "",
    "lag (s)": c.lagSeconds ?? "",
    "last error": (c.lastError ?? "").slice(0, 60),
    ...(owners.size > 0 ? { path: (owners.get(c.key) ?? "").slice(0, 60) } : {}),
  }));
  say(`\ncycle ${report?.cycle ?? "?"} summary (${host.runtime.config.sink.kind} sink):`);
  console.table(rows);
  // --once must fail when any unit of the cycle failed, not only after three failures in a row.
  return (report?.unitsFailed ?? 0) + cursors.filter((c) => c.status === "failing").length;
}

/** A bar per feed while a cycle runs (TTY only); plain lines otherwise. */
class Progress {
  private readonly multibar: MultiBar | undefined;
  private readonly bars = new Map<string, SingleBar>();
  private readonly events = new Map<string, number>();
  private readonly done = new Map<string, number>();

  constructor(enabled: boolean) {
    this.multibar = enabled
      ? new MultiBar(
          {
            format: " {feed} |{bar}| {value}/{total} units | {events} events",
            hideCursor: true,
            clearOnComplete: false,
          },
          Presets.shades_classic,
        )
      : undefined;
  }

  status(status: unknown): void {
    const s = status as { phase?: string; cycle?: number; unitsPerFeed?: Record<string, number> };
    if (s.phase !== "ingesting" || !s.unitsPerFeed) return;
    if (!this.multibar) {
      say(
        `cycle ${s.cycle ?? "?"}: ${Object.values(s.unitsPerFeed).reduce((a, b) => a + b, 0)} units planned`,
      );
      return;
    }
    for (const bar of this.bars.values()) this.multibar.remove(bar);
    this.bars.clear();
    this.done.clear();
    for (const [feed, total] of Object.entries(s.unitsPerFeed)) {
      this.bars.set(
        feed,
        this.multibar.create(total, 0, { feed: feed.padEnd(22), events: this.events.get(feed) ?? 0 }),
      );
    }
  }

  unit(unit: WorkUnit, result: UnitResult): void {
    const events = (this.events.get(unit.feedId) ?? 0) + result.counts.ingested;
    this.events.set(unit.feedId, events);
    const bar = this.bars.get(unit.feedId);
    if (bar) {
      const done = (this.done.get(unit.feedId) ?? 0) + 1;
      this.done.set(unit.feedId, done);
      // Partial units continue within the cycle: the bar grows rather than overflowing.
      if (done > bar.getTotal()) bar.setTotal(done);
      bar.update(done, { events });
    }
  }

  stop(): void {
    this.multibar?.stop();
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
    .option("--data-dir <dir>", "where state.json and the NDJSON tables go", ".local")
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
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
