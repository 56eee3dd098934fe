/**
 * `npm run test:faults` — the fault-injection suite (docs/faults.md): one run per fault kind, a mixed
 * run with every kind at random (fixed seed, ≥ 1 000 000 events), and a kill -9 run with ≥ 20 kills.
 * Prints a table per run and exits non-zero on any violation.
 *
 *   npm run test:faults                      # full profile
 *   npm run test:faults -- --profile ci      # the small profile `npm test` runs
 *   npm run test:faults -- --only mixed,kill-9
 */
import { Command } from "commander";
import type { RunReport } from "../test/faults/harness";
import { printReports, runInProcess, runKills } from "../test/faults/harness";
import { PROFILES, scenarios } from "../test/faults/scenarios";

interface Options {
  profile: string;
  only?: string;
}

async function main(): Promise<void> {
  const options = new Command()
    .name("npm run test:faults --")
    .option("--profile <name>", "full or ci", "full")
    .option("--only <runs>", "comma-separated run names (e.g. mixed,kill-9,sentinel-413)")
    .parse(process.argv)
    .opts<Options>();
  const profile = PROFILES[options.profile as keyof typeof PROFILES];
  if (!profile) throw new Error(`unknown profile ${options.profile}`);
  const only = options.only?.split(",").map((s) => s.trim());
  const chosen = (name: string): boolean => only === undefined || only.includes(name);
  const plan = scenarios(profile);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const started = performance.now();
  say(`fault suite, profile ${profile.name}`);
  const reports: RunReport[] = [];
  for (const scenario of plan.inProcess.filter((s) => chosen(s.name))) {
    const report = await runInProcess(scenario);
    reports.push(report);
    printReports([report], say);
  }
  if (chosen(plan.kill.name)) {
    const report = await runKills(plan.kill);
    reports.push(report);
    printReports([report], say);
  }
  const events = reports.reduce((n, r) => n + r.expected, 0);
  say(
    `\nsummary (${events} events expected in total, ${((performance.now() - started) / 1000).toFixed(0)} s):`,
  );
  printReports(reports, say);
  const failed = reports.filter((r) => r.violations.length > 0 && r.knownIssue === undefined);
  if (profile.name === "full" && only === undefined && !reports.some((r) => r.expected >= 1_000_000))
    failed.push({ name: "coverage" } as RunReport);
  say(failed.length === 0 ? "\nall runs ok" : `\nFAILED: ${failed.map((r) => r.name).join(", ")}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
