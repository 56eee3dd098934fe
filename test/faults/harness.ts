/**
 * The fault-injection harness: runs the local host (the real supervisor, activities and checkpoint
 * reducers) against the Mimecast simulator, injects faults, and accounts for every event (see
 * accounting.ts). In-process runs use a manual simulator clock and either the local NDJSON sink or a
 * real LogsIngestionSink over the Logs Ingestion fake; kill -9 runs drive `child.ts` as a process.
 */
import { spawn } from "node:child_process";
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  existsSync,
  openSync,
  closeSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FEEDS } from "../../src/feeds";
import { allTableStreams } from "../../src/ingest/streams";
import { FUNCTIONS, SUPERVISOR_INSTANCE_ID } from "../../src/orchestrators/names";
import { silentLogger } from "../../src/shared/logger";
import { Rng } from "../../simulator/core/random";
import type { FaultHandle, FaultRule, Simulator, SimulatorOptions } from "../../simulator/index";
import { manualClock, startSimulator } from "../../simulator/index";
import { startEmbedded } from "../../scripts/local/embedded";
import type { EmbeddedOptions } from "../../scripts/local/embedded";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import type { LogsIngestionFake, LogsIngestionFault } from "../fakes/logsIngestionFake";
import { sinkFor } from "../sentinel/helpers";
import type { LocalState } from "../../src/localhost/store";
import type { OracleReport } from "./oracle";
import { RowLedger, oracle } from "./oracle";

/** The simulated "now" every run starts at. */
export const SIM_NOW = Date.parse("2024-11-18T04:07:00Z");
const DAY_MS = 86_400_000;
/** FAULTS_DEBUG=1 prints every unit and status of in-process runs to stderr. */
const DEBUG = process.env["FAULTS_DEBUG"] !== undefined;
const debug = (line: string): void => void process.stderr.write(`  [faults] ${line}\n`);
/** Fixed, so a restarted child and the parent's ground truth see the same universe. */
export const START_OF_DATA = SIM_NOW - 90 * DAY_MS;

export interface Volume {
  /** Events per day per feed (per SIEM type). */
  eventsPerDay: number;
  /** History backfilled: MIMECAST_START_DATE = now - days. */
  days: number;
  /** JSON pages capped at this many records: multi-page windows at small volumes. */
  maxPageSize?: number;
  /**
   * MIMECAST_LATE_HORIZON_SECONDS (default 2 h); the simulator publishes late events at most 80 % of it
   * late, so every late event is due once a run outlasts it. Short in CI: fewer settle cycles.
   */
  lateHorizonSeconds?: number;
}

/** Clean 5-minute cycles that outlast a volume's late horizon plus a sweep's slack. */
export function settleCycles(volume: Volume): number {
  return Math.ceil(((volume.lateHorizonSeconds ?? 7200) + 25 * 60) / 300);
}

export interface RunReport extends OracleReport {
  name: string;
  seconds: number;
  kills: number;
  /** Faults the simulator / fake actually injected. */
  injected: number;
  knownIssue?: string;
  /** The embedded engine does not know the scenario's engine options (yet): the run proves nothing. */
  engineIgnored?: boolean;
  /** SIEM ownership changes the run made (in-process runs). */
  handOvers?: HandOvers;
}

/** Mimecast faults, as simulator rules, armed for the faulty cycles of a run. */
export type MimecastFaults = (sim: Simulator, rng: Rng) => FaultRule[];
/** Sentinel faults, as fake faults (matches may draw from the seeded rng). */
export type SentinelFaults = (rng: Rng) => LogsIngestionFault[];

export interface InProcessScenario {
  name: string;
  seed: number;
  volume: Volume;
  mimecast?: MimecastFaults;
  sentinel?: SentinelFaults;
  /** Expire every OAuth token after each this-many units (token expiry mid-run). */
  expireTokensEvery?: number;
  /** Cycles with faults armed, then clean cycles so every cursor converges. */
  faultyCycles: number;
  cleanCycles: number;
  settings?: Record<string, string>;
  /** A known, documented problem: violations are reported but do not fail the suite. */
  knownIssue?: string;
  /**
   * Extra options for the embedded engine (e.g. `atLeastOnce`), typed loosely: the engine may not
   * know them yet. A run whose engine does not read them reports `engineIgnored`.
   */
  engine?: Record<string, unknown>;
  /** Simulator options beside the volume's (e.g. the SIEM stream's ordering). */
  simulator?: Partial<SimulatorOptions>;
  /**
   * Faults at given simulated times (from SIM_NOW), beside the cycle-armed ones: Mimecast rules armed for
   * `forMs`, and/or the whole app down `downtimeMs` (the manual clock jumps) — e.g. positions older than
   * the SIEM stream's 24 hours, and a day of backlog for every cursor. The run must go on at least
   * `settleMs` past the last of them (else it reports a violation: it ended before it could prove anything).
   */
  timed?: { events: readonly TimedEvent[]; settleMs: number };
  /**
   * SIEM hand-overs the run must show (stream → batch and batch → stream, summed over types), so a
   * scenario about hand-overs cannot pass without making any. Counted from the units' resume cursors:
   * coverage of the scenario, not the oracle (which reads only the simulator and the sink).
   */
  expectHandOvers?: HandOvers;
}

/** Something that happens to an in-process run at a simulated time. */
export interface TimedEvent {
  /** When, from SIM_NOW (checked at each unit and status: a cycle's granularity). */
  afterMs: number;
  mimecast?: readonly FaultRule[];
  /** The rules are cancelled this long after they were armed (default: until the run disarms). */
  forMs?: number;
  downtimeMs?: number;
}

/** SIEM ownership changes seen in a run, summed over types. */
export interface HandOvers {
  toStream: number;
  toBatch: number;
}

const simOptions = (volume: Volume): Partial<SimulatorOptions> => ({
  eventsPerDay: volume.eventsPerDay,
  startOfData: START_OF_DATA,
  ...(volume.maxPageSize !== undefined ? { maxPageSize: volume.maxPageSize } : {}),
  ...(volume.lateHorizonSeconds !== undefined ? { maxLateMs: volume.lateHorizonSeconds * 800 } : {}),
});

const baseSettings = (volume: Volume): Record<string, string> => ({
  MIMECAST_START_DATE: new Date(SIM_NOW - volume.days * DAY_MS).toISOString(),
  MIMECAST_LOG_LEVEL: "error",
  // Short, so `slow` faults (1.5 s) time out without long waits; the floor the settings allow.
  MIMECAST_HTTP_TIMEOUT_MS: "1000",
  ...(volume.lateHorizonSeconds !== undefined
    ? { MIMECAST_LATE_HORIZON_SECONDS: String(volume.lateHorizonSeconds) }
    : {}),
});

/** Runs the local host in-process through faulty then clean cycles, and accounts for every event. */
export async function runInProcess(scenario: InProcessScenario): Promise<RunReport> {
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), "faults-"));
  const rng = new Rng(scenario.seed);
  const ledger = new RowLedger();
  let fake: LogsIngestionFake | undefined;
  let sinkOption = {};
  if (scenario.sentinel) {
    fake = createLogsIngestionFake({
      streams: allTableStreams(FEEDS).map((t) => t.stream),
      ruleId: "dcr-0123456789abcdef0123456789abcdef",
      keepRows: false,
      onAccepted: (stream, records, request) => {
        const table = stream.replace(/^Custom-/, "");
        const watch = process.env["FAULTS_WATCH"];
        if (watch !== undefined && records.some((r) => String(r["EventTime"]).startsWith(watch))) {
          debug(
            `WATCH accepted ${stream} ${records.length} rows ${String(records[0]?.["EventTime"])}..${String(records[records.length - 1]?.["EventTime"])}`,
          );
        }
        const ambiguous = request.fault === "timeout-after-receive";
        for (const record of records) ledger.add(table, record, ambiguous);
      },
    });
    const { sink } = sinkFor(fake, { chunkTimeoutMs: 30_000 });
    sinkOption = { sink };
  }
  let units = 0;
  const rules: { hits: number }[] = [];
  let malformed: ReturnType<Simulator["faults"]["malformedLines"]> = [];
  let armed = true;
  const simClock = manualClock(SIM_NOW);
  const timed = scenario.timed?.events ?? [];
  /** Per timed event: when it fired, and its rules. */
  const fired = new Map<TimedEvent, { at: number; handles: FaultHandle[] }>();
  let lastTimedEnd = 0;
  const fireTimedEvents = (): void => {
    const now = simClock.now();
    for (const event of timed) {
      const done = fired.get(event);
      if (done) {
        if (event.forMs !== undefined && now >= done.at + event.forMs && done.handles.length > 0) {
          for (const handle of done.handles) handle.cancel();
          done.handles = [];
          lastTimedEnd = Math.max(lastTimedEnd, now);
        }
        continue;
      }
      if (now < SIM_NOW + event.afterMs) continue;
      const handles = (event.mimecast ?? []).map((rule) => embedded.sim.faults.inject(rule));
      rules.push(...handles);
      fired.set(event, { at: now, handles });
      if (event.downtimeMs !== undefined) simClock.advance(event.downtimeMs);
      lastTimedEnd = Math.max(lastTimedEnd, simClock.now());
    }
  };
  const owners = new Map<string, { owner: string; since: unknown }>();
  const handOvers: HandOvers = { toStream: 0, toBatch: 0 };
  const embedded = await startEmbedded({
    dataDir,
    seed: scenario.seed,
    simClock,
    simulator: { ...simOptions(scenario.volume), ...scenario.simulator },
    settings: { ...baseSettings(scenario.volume), ...scenario.settings },
    logger: silentLogger,
    ...sinkOption,
    ...scenario.engine,
    onUnit: (unit, result) => {
      units += 1;
      if (DEBUG)
        debug(
          `${unit.key} ${result.kind} ${result.counts.fetched} ${"reason" in result ? result.reason : ""} ${JSON.stringify({ ...unit, seen: undefined })} -> ${JSON.stringify(result.resume).slice(0, 200)} ingested=${result.counts.ingested} amb=${result.counts.ambiguous} resent=${result.counts.resent}`,
        );
      if (armed && scenario.expireTokensEvery && units % scenario.expireTokensEvery === 0) {
        embedded.sim.expireAllTokens();
      }
      countHandOver(owners, handOvers, unit.key, result.resume);
      fireTimedEvents();
    },
    onStatus: (_id, status) => {
      const cycle = (status as { cycle?: number; phase?: string }).cycle ?? 0;
      if (DEBUG) debug(JSON.stringify(status).slice(0, 200));
      if (armed && cycle >= scenario.faultyCycles) disarm();
      // After the disarm: timed faults keep their own times (a run of only timed faults has 0 faulty cycles).
      fireTimedEvents();
    },
  });
  const { sim, host } = embedded;
  const sentinelFaults = scenario.sentinel?.(rng) ?? [];
  const disarm = (): void => {
    armed = false;
    malformed = sim.faults.malformedLines();
    sim.faults.clear();
  };
  for (const rule of scenario.mimecast?.(sim, rng) ?? []) rules.push(sim.faults.inject(rule));
  // Sentinel faults only match while armed (the fake's reset() would also drop its records).
  for (const fault of sentinelFaults)
    fake?.inject({ ...fault, match: (request) => armed && (fault.match?.(request) ?? true) });
  const fakeFaultsBefore = (): number => fake?.requests.filter((r) => r.fault !== undefined).length ?? 0;

  try {
    await host.startNew(FUNCTIONS.supervisor, {
      instanceId: SUPERVISOR_INSTANCE_ID,
      input: { cycle: 0, maxCycles: scenario.faultyCycles + scenario.cleanCycles },
    });
    await host.idle();
    const status = await host.getStatus(SUPERVISOR_INSTANCE_ID);
    if (armed) disarm();
    if (String(status.runtimeStatus) !== "Completed")
      throw new Error(`supervisor ${String(status.runtimeStatus)}: ${String(status.output)}`);
    await host.stop();
    if (!fake) await ledger.readLocalTables(join(dataDir, "tables"));
    const accounting = oracle({
      sim,
      startMs: SIM_NOW - scenario.volume.days * DAY_MS,
      endMs: lastRequestAt(sim),
      ledger,
      malformed,
      siemMayStream: siemMayStream({ ...baseSettings(scenario.volume), ...scenario.settings }),
      ...(scenario.settings?.["MIMECAST_FEEDS"] !== undefined
        ? { feeds: scenario.settings["MIMECAST_FEEDS"].split(",").map((id) => id.trim()) }
        : {}),
      ...(scenario.volume.lateHorizonSeconds !== undefined
        ? { lateHorizonMs: scenario.volume.lateHorizonSeconds * 1000 }
        : {}),
    });
    for (const event of timed) {
      const done = fired.get(event);
      if (!done) accounting.violations.push(`the fault timed at +${event.afterMs / 60_000} min never fired`);
      else if (done.handles.length > 0 && event.forMs !== undefined)
        accounting.violations.push(`the fault timed at +${event.afterMs / 60_000} min was never cancelled`);
    }
    if (scenario.timed && lastRequestAt(sim) < lastTimedEnd + scenario.timed.settleMs)
      accounting.violations.push(
        `the run ended ${((lastRequestAt(sim) - lastTimedEnd) / 60_000).toFixed(0)} min after its last timed fault, not the ${scenario.timed.settleMs / 60_000} min it needs: give it more cycles`,
      );
    const want = scenario.expectHandOvers;
    if (want && (handOvers.toStream < want.toStream || handOvers.toBatch < want.toBatch))
      accounting.violations.push(
        `SIEM hand-overs: ${handOvers.toBatch} to batch, ${handOvers.toStream} to the stream; the scenario needs at least ${want.toBatch} and ${want.toStream}`,
      );
    return {
      name: scenario.name,
      seconds: (performance.now() - started) / 1000,
      kills: 0,
      handOvers,
      ...(scenario.knownIssue !== undefined ? { knownIssue: scenario.knownIssue } : {}),
      ...(scenario.engine !== undefined && !engineKnows(scenario.engine) ? { engineIgnored: true } : {}),
      injected:
        rules.reduce((n, r) => n + r.hits, 0) +
        fakeFaultsBefore() +
        Object.values(embedded.host.atLeastOnceEvents).reduce((a, b) => a + b, 0),
      ...accounting,
    };
  } finally {
    await embedded.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Counts the changes of a SIEM type's owner between its units (a type starts owned by batch). Every
 * change stamps `since`, so the same owner with a new `since` was a change there and back within one
 * unit (e.g. back to batch, which caught up and gave the stream the edge again).
 */
function countHandOver(
  owners: Map<string, { owner: string; since: unknown }>,
  counts: HandOvers,
  key: string,
  resume: unknown,
): void {
  const cursor = resume as { v?: unknown; owner?: unknown; since?: unknown } | null;
  if (cursor?.v !== "siem-owner-1" || typeof cursor.owner !== "string") return;
  const before = owners.get(key) ?? { owner: "batch", since: undefined };
  owners.set(key, { owner: cursor.owner, since: cursor.since });
  const toStream = cursor.owner === "stream";
  if (before.owner !== cursor.owner) {
    if (toStream) counts.toStream += 1;
    else counts.toBatch += 1;
  } else if (before.since !== undefined && before.since !== cursor.since) {
    counts.toStream += 1;
    counts.toBatch += 1;
  }
}

/** Whether a run's SIEM types may be on the stream: MIMECAST_SIEM_PATH (default auto) names more than batch. */
export function siemMayStream(settings: Record<string, string>): boolean {
  const value = (settings["MIMECAST_SIEM_PATH"] ?? "auto").toLowerCase();
  return value.split(",").some((part) => !/^\s*(?:[a-z-]+(?::[a-z-]+)?\s*=\s*)?batch\s*$/.test(part));
}

/** Whether startEmbedded reads every one of these options (it ignores options it does not know). */
export function engineKnows(options: Record<string, unknown>): boolean {
  const source = readFileSync(require.resolve("../../scripts/local/embedded"), "utf8");
  return Object.keys(options).every((name) => source.includes(name));
}

/** The simulated time of the run's last Mimecast request, from the simulator's own request log. */
export function lastRequestAt(sim: Simulator): number {
  const last = sim.requests[sim.requests.length - 1];
  if (!last) throw new Error("the run made no Mimecast request");
  return last.at;
}

// ---- kill -9 runs -------------------------------------------------------------------------------

export interface KillScenario {
  name: string;
  seed: number;
  volume: Volume;
  kills: number;
  /** Random kill delay after each spawn, in [min, max] ms of real time. */
  killAfterMs: [number, number];
  /** Caps each unit's budget in the killed children (bounds what one kill re-sends). */
  unitBudgetMs: number;
  /**
   * Clean supervisor cycles of the final child (manual clock). They must give every cursor the
   * simulated time its backlog needs under Mimecast's quotas: the killed children run on a real clock,
   * so they add seconds of simulated time, not the minutes a quota-bound feed needs (see docs/faults.md).
   */
  finalCycles: number;
}

/** The kill children's request log (child.ts): one line per Sentinel request with the rows it stored. */
export const REQUEST_LOG = "requests.ndjson";

/** The largest request (rows) each table received, from a request log. */
export function largestRequests(file: string): Map<string, number> {
  const largest = new Map<string, number>();
  if (!existsSync(file)) return largest;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const { table, rows } = JSON.parse(line) as { table: string; rows: number };
      largest.set(table, Math.max(largest.get(table) ?? 0, rows));
    } catch {
      // a line torn by a kill
    }
  }
  return largest;
}

/** What the parent tells child.ts (as JSON in FAULTS_CHILD). */
export interface ChildConfig {
  dataDir: string;
  seed: number;
  eventsPerDay: number;
  startMs: number;
  simStart: number;
  startOfData: number;
  clock: "real" | "manual";
  maxCycles: number;
  /** Start a new supervisor (first run, final run) instead of resuming the interrupted one. */
  restartSupervisor: boolean;
  unitBudgetMs?: number;
  atLeastOnce?: EmbeddedOptions["atLeastOnce"];
}

const CHILD = join(__dirname, "child.js");

function spawnChild(config: ChildConfig): { exited: Promise<number | null>; kill(): void } {
  const log = openSync(join(config.dataDir, "child.log"), "a");
  const child = spawn(process.execPath, [CHILD], {
    env: { ...process.env, FAULTS_CHILD: JSON.stringify(config) },
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { exited, kill: () => child.kill("SIGKILL") };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Children write one line here once they are up (child.ts); the harness times each kill from it. */
export const STARTS_FILE = "starts.ndjson";
const CHILD_UP_TIMEOUT_MS = 120_000;

/** Waits (bounded) until the `index`-th child has written its start line; false if it exited first. */
async function childUp(dataDir: string, index: number, exited: Promise<unknown>): Promise<boolean> {
  const file = join(dataDir, STARTS_FILE);
  let gone = false;
  void exited.then(() => (gone = true));
  for (let waited = 0; waited < CHILD_UP_TIMEOUT_MS; waited += 25) {
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
    if (lines > index) return true;
    if (gone) return false;
    await sleep(25);
  }
  throw new Error(`child ${index + 1} was not up within ${CHILD_UP_TIMEOUT_MS / 1000} s`);
}

/**
 * Spawns the local host as a child process and kill -9s it at seeded random points, restarting it
 * each time (it resumes from its state file); then a final child runs clean cycles to the end.
 */
export async function runKills(scenario: KillScenario): Promise<RunReport> {
  const started = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), "faults-kill-"));
  const rng = new Rng(scenario.seed);
  const startMs = SIM_NOW - scenario.volume.days * DAY_MS;
  const base = {
    dataDir,
    seed: scenario.seed,
    eventsPerDay: scenario.volume.eventsPerDay,
    startMs,
    simStart: SIM_NOW,
    startOfData: START_OF_DATA,
  };
  let kills = 0;
  const tables = join(dataDir, "tables");
  /** Per table file, the line count at each restart: rows after it belong to the next process. */
  const generations = new Map<string, number[]>();
  const markGeneration = (): void => {
    for (const [file, lines] of lineCounts(tables))
      generations.set(file, [...(generations.get(file) ?? []), lines]);
  };
  try {
    for (let i = 0; i < scenario.kills; i += 1) {
      if (i > 0) markGeneration();
      const child = spawnChild({
        ...base,
        clock: "real",
        maxCycles: 1_000_000,
        restartSupervisor: i === 0,
        unitBudgetMs: scenario.unitBudgetMs,
      });
      const [min, max] = scenario.killAfterMs;
      const delay = min + Math.floor(rng.next() * (max - min));
      // The delay counts from the moment the child is up (it has opened the store and is about to run
      // the supervisor): on a busy machine a start alone can outlast the delay, and a kill during it
      // would test nothing (a full run once saw all 22 kills land before any work).
      const up = await childUp(dataDir, i, child.exited);
      if (!up)
        throw new Error(`child exited before it was up (kill ${i + 1}): see ${join(dataDir, "child.log")}`);
      const early = await Promise.race([child.exited.then(() => true), sleep(delay).then(() => false)]);
      if (early) throw new Error(`child exited before kill ${i + 1}: see ${join(dataDir, "child.log")}`);
      child.kill();
      await child.exited;
      kills += 1;
    }
    markGeneration();
    if (process.env["FAULTS_KEEP"] !== undefined)
      writeFileSync(join(dataDir, "generations.json"), JSON.stringify(Object.fromEntries(generations)));
    const final = spawnChild({
      ...base,
      clock: "manual",
      maxCycles: scenario.finalCycles,
      restartSupervisor: true,
    });
    const code = await final.exited;
    if (code !== 0)
      throw new Error(
        `final run exited ${code}: ${readFileSync(join(dataDir, "child.log"), "utf8").slice(-2000)}`,
      );

    const ledger = new RowLedger();
    await ledger.readLocalTables(tables, generations);
    const { lastRequestAt: endMs } = JSON.parse(readFileSync(join(dataDir, END_FILE), "utf8")) as {
      lastRequestAt: number;
    };
    const truth = await startSimulator({
      seed: scenario.seed,
      clock: manualClock(SIM_NOW),
      ...simOptions(scenario.volume),
    });
    try {
      const accounting = oracle({
        sim: truth,
        startMs,
        endMs,
        ledger,
        siemMayStream: siemMayStream(baseSettings(scenario.volume)),
        largestRequests: largestRequests(join(dataDir, REQUEST_LOG)),
        ...(scenario.volume.lateHorizonSeconds !== undefined
          ? { lateHorizonMs: scenario.volume.lateHorizonSeconds * 1000 }
          : {}),
      });
      if (kills < scenario.kills) accounting.violations.push(`only ${kills} kills`);
      return {
        name: scenario.name,
        seconds: (performance.now() - started) / 1000,
        kills,
        injected: kills,
        ...accounting,
      };
    } finally {
      await truth.close();
    }
  } finally {
    if (process.env["FAULTS_KEEP"] === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The latest instant a state file mentions (instances and checkpoints use the host's clock). */
export function latestTime(state: LocalState): number {
  let latest = 0;
  for (const instance of Object.values(state.instances))
    latest = Math.max(latest, Date.parse(instance.lastUpdatedTime));
  for (const entity of Object.values(state.entities)) {
    const at = (entity as { lastRun?: { at?: number } } | undefined)?.lastRun?.at;
    if (typeof at === "number") latest = Math.max(latest, at);
  }
  return latest;
}

/** Where a child that finished writes the simulated time of its simulator's last request. */
export const END_FILE = "end.json";

/** Lines in each NDJSON file of a local sink directory (a torn last line counts as one). */
function lineCounts(dir: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(dir)) return counts;
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".ndjson"))) {
    const bytes = readFileSync(join(dir, file));
    let lines = 0;
    for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lines += 1;
    counts.set(file, lines + (bytes.length > 0 && bytes[bytes.length - 1] !== 10 ? 1 : 0));
  }
  return counts;
}

// ---- printing -----------------------------------------------------------------------------------

export function printReports(reports: readonly RunReport[], write: (line: string) => void): void {
  const header = [
    "run",
    "expected",
    "ingested",
    "missing",
    "pending",
    "beyond",
    "duplicated",
    "ambiguous",
    "crash-resent",
    "max/kill",
    "unknown",
    "dead-lettered",
    "garbage",
    "logged",
    "injected",
    "kills",
    "s",
    "result",
  ];
  const rows = reports.map((r) => [
    r.name,
    r.expected,
    r.ingested,
    r.missing,
    r.pending,
    r.beyond,
    r.duplicated,
    r.ambiguous,
    r.crashResent,
    r.maxResentPerKill,
    r.unknown,
    r.deadLettered,
    r.malformedLost,
    `${r.malformedPositions}/${r.malformedLogged}`,
    r.injected,
    r.kills,
    r.seconds.toFixed(1),
    r.violations.length === 0 ? "ok" : r.knownIssue !== undefined ? "KNOWN" : "FAIL",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => String(row[i]).length)));
  const line = (cells: readonly unknown[]): string =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("  ");
  write(line(header));
  for (const row of rows) write(line(row));
  for (const r of reports) {
    if (r.handOvers && r.handOvers.toBatch + r.handOvers.toStream > 0)
      write(
        `  ${r.name}: SIEM hand-overs ${r.handOvers.toBatch} to batch, ${r.handOvers.toStream} to the stream`,
      );
    if (r.engineIgnored)
      write(`  ${r.name}: the engine does not read its options yet; it ran as a clean run`);
    if (r.knownIssue !== undefined && r.violations.length > 0)
      write(`  ${r.name}: known issue: ${r.knownIssue}`);
    for (const v of r.violations) write(`  ${r.name}: ${v}`);
  }
}
