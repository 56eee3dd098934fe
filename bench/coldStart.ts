/**
 * Cold start: how long a fresh Node process takes to load the built function entry module, against
 * loading an empty module in the same way (the baseline: Node's own start-up), alternating runs; and
 * the size of the deployment package `npm run package` builds.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildPackage } from "../scripts/package";

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

/** Wall time of `node -e "require(module)"` in a fresh process, and the require() time it reports. */
function loadOnce(modulePath: string): { processMs: number; requireMs: number } {
  const script =
    "const t=process.hrtime.bigint();require(process.argv[1]);" +
    "process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))";
  const started = performance.now();
  const child = spawnSync(process.execPath, ["-e", script, modulePath], { encoding: "utf8" });
  const processMs = performance.now() - started;
  if (child.status !== 0) throw new Error(`loading ${modulePath} failed: ${child.stderr}`);
  return { processMs, requireMs: Number(child.stdout.trim()) };
}

export interface ColdStartResult {
  runs: number;
  entryProcessMs: number;
  emptyProcessMs: number;
  entryRequireMs: number;
  ratio: number;
  packageBytes: number;
  packageFiles: number;
}

export function measureColdStart(repoRoot: string, runs: number): ColdStartResult {
  const entry = resolve(repoRoot, "dist/src/index.js");
  // Outside the repository: ESLint would try to lint a .js file under it.
  const emptyDir = mkdtempSync(join(tmpdir(), "mimecast-bench-empty-"));
  const empty = join(emptyDir, "empty-module.js");
  writeFileSync(empty, "module.exports = {};\n");
  loadOnce(entry); // warm the file cache, as a second start of a Function host would be
  const entryRuns: { processMs: number; requireMs: number }[] = [];
  const emptyRuns: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    emptyRuns.push(loadOnce(empty).processMs);
    entryRuns.push(loadOnce(entry));
  }
  const entryProcessMs = median(entryRuns.map((r) => r.processMs));
  const emptyProcessMs = median(emptyRuns);
  const pkg = buildPackage(repoRoot);
  return {
    runs,
    entryProcessMs,
    emptyProcessMs,
    entryRequireMs: median(entryRuns.map((r) => r.requireMs)),
    ratio: entryProcessMs / emptyProcessMs,
    packageBytes: pkg.bytes,
    packageFiles: pkg.files,
  };
}
