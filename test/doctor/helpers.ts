/** A doctor run against the simulator (shared fake clock) and the Logs Ingestion fake. */
import type { SecretReader } from "../../src/config/keyVault";
import { FEEDS } from "../../src/feeds";
import { runDoctorChecks } from "../../src/doctor";
import type { DoctorCheck, DoctorReport } from "../../src/doctor";
import { allTableStreams } from "../../src/ingest/streams";
import { FakeClock } from "../../src/shared/clock";
import { SecretRedactor } from "../../src/shared/logger";
import { startSimulator } from "../../simulator/index";
import type { Simulator, SimulatorOptions } from "../../simulator/index";
import { createLogsIngestionFake } from "../fakes/logsIngestionFake";
import type { LogsIngestionFake } from "../fakes/logsIngestionFake";
import { NOW } from "../helpers/sim-fixtures";
import { DCE, RULE_ID, sinkFor } from "../sentinel/helpers";

export { NOW };
export type Env = Record<string, string | undefined>;

export interface DoctorRig {
  sim: Simulator;
  fake: LogsIngestionFake;
  clock: FakeClock;
  /** API 2.0 settings for the simulator and the fake DCR. */
  env: Env;
  /** API 1.0 settings for the simulator's HMAC application. */
  hmacEnv: Env;
  run(env: Env, options?: { secretReader?: SecretReader; ruleId?: string }): Promise<DoctorReport>;
  close(): Promise<void>;
}

export async function startRig(simulator: Partial<SimulatorOptions> = {}): Promise<DoctorRig> {
  const clock = new FakeClock(NOW);
  const sim = await startSimulator({ seed: 42, clock, rateLimit: false, ...simulator });
  const fake = createLogsIngestionFake({
    streams: allTableStreams(FEEDS).map((t) => t.stream),
    ruleId: RULE_ID,
  });
  const oauth = sim.credentials.oauth!;
  const hmac = sim.credentials.hmac!;
  const common: Env = {
    MIMECAST_BASE_URL: sim.url,
    MIMECAST_ALLOW_INSECURE_HTTP: "true",
    MIMECAST_FILE_HOST_ALLOWLIST: "127.0.0.1",
    MIMECAST_DCE_ENDPOINT: DCE,
    MIMECAST_DCR_IMMUTABLE_ID: RULE_ID,
  };
  return {
    sim,
    fake,
    clock,
    env: { ...common, MIMECAST_CLIENT_ID: oauth.clientId, MIMECAST_CLIENT_SECRET: oauth.clientSecret },
    hmacEnv: {
      ...common,
      MIMECAST_API_VERSION: "1.0",
      MIMECAST_APP_ID: hmac.appId,
      MIMECAST_APP_KEY: hmac.appKey,
      MIMECAST_ACCESS_KEY: hmac.accessKey,
      MIMECAST_SECRET_KEY: hmac.secretKey,
    },
    run: (env, options = {}) =>
      runDoctorChecks(env, {
        clock,
        // A private redactor: the process-wide one would hide a leak by redacting what earlier tests registered.
        redactor: new SecretRedactor(),
        sink: () => sinkFor(fake, options.ruleId ? { ruleId: options.ruleId } : {}).sink,
        ...(options.secretReader ? { secretReader: options.secretReader } : {}),
      }),
    // Idempotent: a test may close the simulator itself to make Mimecast unreachable.
    close: () => sim.close().catch(() => undefined),
  };
}

export function checkNamed(report: DoctorReport, name: string): DoctorCheck {
  const found = report.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check "${name}" in: ${report.checks.map((c) => c.name).join(", ")}`);
  return found;
}

export const statuses = (report: DoctorReport): Record<string, string> =>
  Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
