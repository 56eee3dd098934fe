import { simulatorSettings } from "./embedded";
/**
 * `npm start -- doctor`: runs the checks of src/doctor against the settings in the environment (or, with
 * `--simulator`, against the bundled Mimecast API simulator) and prints a table, or JSON with `--json`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatReport, reportJson, runDoctorChecks } from "../../src/doctor";
import { ENDPOINT_FAMILIES, TEST_OAUTH_APPLICATION, startSimulator } from "../../simulator/index";
import type { EndpointFamily, SimulatorOptions } from "../../simulator/index";

export interface DoctorOptions {
  json?: boolean;
  /** Check the bundled simulator instead of the environment's settings (a demonstration). */
  simulator?: boolean;
  /** With `simulator`: endpoint families the simulated application's role may not call, e.g. "dlp". */
  simDeny?: string;
}

export async function runDoctor(env: NodeJS.ProcessEnv, options: DoctorOptions = {}): Promise<number> {
  if (!options.simulator) return report(env, options);
  const denied = (options.simDeny ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const unknown = denied.filter((f) => !(ENDPOINT_FAMILIES as readonly string[]).includes(f));
  if (unknown.length > 0) {
    process.stderr.write(
      `--sim-deny: unknown families ${unknown.join(", ")}; known: ${ENDPOINT_FAMILIES.join(", ")}\n`,
    );
    return 2;
  }
  const simOptions: SimulatorOptions = { seed: 1 };
  if (denied.length > 0) {
    simOptions.permissions = {
      [TEST_OAUTH_APPLICATION.clientId]: ENDPOINT_FAMILIES.filter((f: EndpointFamily) => !denied.includes(f)),
    };
  }
  const sim = await startSimulator(simOptions);
  const dir = mkdtempSync(join(tmpdir(), "mimecast-doctor-"));
  try {
    if (!options.json) process.stdout.write(`Checking the bundled Mimecast API simulator at ${sim.url}\n\n`);
    return await report(
      {
        ...simulatorSettings(sim, dir),
        ...(env["MIMECAST_FEEDS"] ? { MIMECAST_FEEDS: env["MIMECAST_FEEDS"] } : {}),
      },
      options,
    );
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function report(env: Record<string, string | undefined>, options: DoctorOptions): Promise<number> {
  const result = await runDoctorChecks(env);
  process.stdout.write(
    options.json ? reportJson(result) : formatReport(result, process.stdout.columns ?? 120),
  );
  return result.exitCode;
}
