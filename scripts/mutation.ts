/**
 * `npm run test:mutation` — applies each named mutation of scripts/mutations.ts to a copy of dist/ (the
 * build itself is never touched, so other runs can go on), runs its tests in order until one fails
 * (killed) or all pass (survived), and prints a score.
 *
 *   npm run test:mutation                                # every mutation
 *   npm run test:mutation -- --only backfill-never-planned,lag-ignored
 *   npm run test:mutation -- --oracle        # only the fault suite's tests: does the oracle catch it?
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import type { Mutation } from "./mutations";
import { MUTATIONS } from "./mutations";

/** One test run may take this long (the fault suite's CI files are the slowest, a few minutes). */
const RUN_TIMEOUT_MS = 20 * 60_000;
const ROOT = resolve(__dirname, "..", "..");
/** What the compiled tests read relative to the repository root besides dist/. */
const LINKED = [
  "node_modules",
  "package.json",
  "src",
  "test",
  "scripts",
  "simulator",
  "content",
  "docs",
  "infra",
  "host.json",
  "bench",
  "tsconfig.json",
];

type Verdict = { name: string; killed: boolean; by?: string; seconds: number };

function run(mutant: string, mutation: Mutation, say: (line: string) => void, oracle: boolean): Verdict {
  const started = performance.now();
  const target = join(mutant, "dist", mutation.file);
  const original = readFileSync(target, "utf8");
  const at = original.indexOf(mutation.find);
  if (at === -1 || original.indexOf(mutation.find, at + 1) !== -1)
    throw new Error(`${mutation.name}: its site is not exactly once in dist/${mutation.file}`);
  writeFileSync(target, original.slice(0, at) + mutation.replace + original.slice(at + mutation.find.length));
  try {
    for (const tests of mutation.tests.filter((t) => !oracle || t.startsWith("faults/faults."))) {
      const result = spawnSync(
        process.execPath,
        [join(ROOT, "scripts", "run-tests.mjs"), join(mutant, "dist", "test", tests)],
        { cwd: mutant, stdio: "ignore", timeout: RUN_TIMEOUT_MS },
      );
      if (result.status !== 0) {
        const by = result.signal ? `${tests} (timed out)` : tests;
        return { name: mutation.name, killed: true, by, seconds: (performance.now() - started) / 1000 };
      }
      say(`  ${mutation.name}: ${tests} still passes`);
    }
    return { name: mutation.name, killed: false, seconds: (performance.now() - started) / 1000 };
  } finally {
    writeFileSync(target, original);
  }
}

function main(): void {
  const options = new Command()
    .name("npm run test:mutation --")
    .option("--only <names>", "comma-separated mutation names")
    .option("--oracle", "run only the fault suite's tests (the oracle) against each mutant")
    .parse(process.argv)
    .opts<{ only?: string; oracle?: boolean }>();
  const only = options.only?.split(",").map((s) => s.trim());
  const chosen = MUTATIONS.filter((m) => only === undefined || only.includes(m.name));
  if (chosen.length === 0) throw new Error(`no mutation named ${options.only ?? ""}`);
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const mutant = mkdtempSync(join(tmpdir(), "mutant-"));
  try {
    cpSync(join(ROOT, "dist"), join(mutant, "dist"), { recursive: true });
    for (const name of LINKED) {
      try {
        symlinkSync(join(ROOT, name), join(mutant, name));
      } catch {
        // not every checkout has every one
      }
    }
    const verdicts: Verdict[] = [];
    for (const mutation of chosen) {
      say(`${mutation.name}: ${mutation.means}`);
      const verdict = run(mutant, mutation, say, options.oracle === true);
      verdicts.push(verdict);
      say(
        `  ${verdict.killed ? `KILLED by ${verdict.by ?? "?"}` : "SURVIVED"} (${verdict.seconds.toFixed(0)} s)`,
      );
    }
    const killed = verdicts.filter((v) => v.killed).length;
    say(
      `\nmutation score: ${killed}/${verdicts.length} killed (${((100 * killed) / verdicts.length).toFixed(0)} %)`,
    );
    for (const v of verdicts.filter((x) => !x.killed)) say(`  survived: ${v.name}`);
    process.exitCode = killed === verdicts.length ? 0 : 1;
  } finally {
    rmSync(mutant, { recursive: true, force: true });
  }
}

main();
