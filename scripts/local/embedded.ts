/**
 * The embedded default of `npm start` (and of the end-to-end tests): the bundled Mimecast API simulator
 * on 127.0.0.1, the local NDJSON sink, and the local host running the app's registered orchestrations,
 * entities and activities on the local Durable engine against them.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config";
import { LocalHost } from "../../src/localhost/localHost";
import type { LocalHostOptions } from "../../src/localhost/localHost";
import { createRuntime } from "../../src/runtime/runtime";
import type { Clock } from "../../src/shared/clock";
import type { Logger } from "../../src/shared/logger";
import type { Sink } from "../../src/sentinel/sink";
import { startSimulator } from "../../simulator/index";
import type { SimClock, Simulator, SimulatorOptions } from "../../simulator/index";

export interface EmbeddedOptions {
  dataDir: string;
  seed?: number;
  /** Shared by the simulator and the host; sleeps advance it (tests run days of history in seconds). */
  simClock?: SimClock;
  simulator?: Partial<SimulatorOptions>;
  /** Extra or overriding settings (e.g. MIMECAST_FEEDS, MIMECAST_LAG_SECONDS). */
  settings?: Record<string, string>;
  logger?: Logger;
  sink?: Sink;
  onStatus?: (instanceId: string, status: unknown) => void;
  onUnit?: LocalHostOptions["onUnit"];
  /** Caps each ingest activity's time budget (see LocalHostOptions.unitBudgetMs). */
  unitBudgetMs?: number;
  /** At-least-once delivery on the local engine (see LocalHostOptions.atLeastOnce). */
  atLeastOnce?: {
    duplicateActivities?: boolean;
    duplicateMessages?: boolean;
    crashBetweenSendAndCommit?: boolean;
  };
}

export interface Embedded {
  sim: Simulator;
  host: LocalHost;
  settings: Record<string, string>;
  close(): Promise<void>;
}

/** A Clock over the simulator's clock: sleeping advances simulated time instead of waiting. */
export function simulatedClock(sim: SimClock): Clock {
  return {
    now: () => sim.now(),
    sleep: (ms) => {
      sim.advance(Math.max(0, ms));
      return Promise.resolve();
    },
  };
}

/** Settings that point the connector at the bundled simulator and a local NDJSON sink directory. */
export function simulatorSettings(sim: Simulator, sinkDir: string): Record<string, string> {
  const oauth = sim.credentials.oauth;
  if (!oauth) throw new Error("the simulator did not provide OAuth test credentials");
  return {
    MIMECAST_API_VERSION: "2.0",
    MIMECAST_BASE_URL: sim.url,
    MIMECAST_CLIENT_ID: oauth.clientId,
    MIMECAST_CLIENT_SECRET: oauth.clientSecret,
    MIMECAST_ALLOW_INSECURE_HTTP: "true",
    MIMECAST_FILE_HOST_ALLOWLIST: "127.0.0.1",
    MIMECAST_SINK: "local",
    MIMECAST_LOCAL_SINK_DIR: sinkDir,
  };
}

export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const sim = await startSimulator({
    seed: options.seed ?? 1,
    ...(options.simClock ? { clock: options.simClock } : {}),
    ...options.simulator,
  });
  mkdirSync(options.dataDir, { recursive: true });
  const settings: Record<string, string> = {
    ...simulatorSettings(sim, join(options.dataDir, "tables")),
    ...options.settings,
  };
  const clock: Clock | undefined = options.simClock ? simulatedClock(options.simClock) : undefined;
  const now = clock ? clock.now() : Date.now();
  const config = loadConfig(settings, now);
  const runtime = createRuntime(config, {
    ...(clock ? { clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.sink ? { sink: options.sink } : {}),
  });
  const host = new LocalHost({
    runtime,
    dataDir: options.dataDir,
    seed: options.seed ?? 1,
    ...(options.onStatus ? { onStatus: options.onStatus } : {}),
    ...(options.onUnit ? { onUnit: options.onUnit } : {}),
    ...(options.unitBudgetMs !== undefined ? { unitBudgetMs: options.unitBudgetMs } : {}),
    ...(options.atLeastOnce ? { atLeastOnce: options.atLeastOnce } : {}),
  });
  return {
    sim,
    host,
    settings,
    close: async () => {
      await host.close();
      await sim.close();
    },
  };
}
