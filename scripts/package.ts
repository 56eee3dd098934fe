/**
 * Builds the run-from-package zip the Function App runs (Flex Consumption: deployed with
 * `az functionapp deployment source config-zip`): compiled JS of src/, host.json, package.json and the
 * production dependencies only (package-lock.json marks dev-only packages `dev: true`). Usage:
 *   npm run package            → .local/package/mimecast-sentinel.zip, size printed
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { zipSync } from "fflate";
import type { Zippable } from "fflate";

export const PACKAGE_OUTPUT = path.join(".local", "package", "mimecast-sentinel.zip");

interface Lockfile {
  packages?: Record<string, { dev?: boolean }>;
}

/** Files below `dir` (relative to `root`, "/"-separated), every directory walk bounded by the tree itself. */
function filesUnder(root: string, dir: string, keep: (relative: string) => boolean): string[] {
  const found: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    for (const name of readdirSync(path.join(root, current))) {
      const relative = `${current}/${name}`;
      const stats = statSync(path.join(root, relative));
      if (stats.isDirectory()) pending.push(relative);
      else if (stats.isFile() && keep(relative)) found.push(relative);
    }
  }
  return found;
}

/** Installed packages the app needs at run time: every lockfile entry not marked dev-only. */
export function productionPackageDirs(lock: Lockfile): string[] {
  return Object.entries(lock.packages ?? {})
    .filter(([key, entry]) => key.startsWith("node_modules/") && entry.dev !== true)
    .map(([key]) => key)
    .sort();
}

/** Every path the zip holds, sorted (what the tests inspect). */
export function packageFileList(repoRoot: string): string[] {
  const lock = JSON.parse(readFileSync(path.join(repoRoot, "package-lock.json"), "utf8")) as Lockfile;
  const packageDirs = productionPackageDirs(lock);
  // Nested node_modules belong to their own lockfile entries, so each directory is walked without them.
  const ownFile = (dir: string) => (relative: string) =>
    !relative.slice(dir.length + 1).includes("node_modules/") && !relative.endsWith(".map");
  const files = [
    "host.json",
    "package.json",
    // The local host runs on devDependencies (better-sqlite3) and is never loaded by the Functions app.
    ...filesUnder(
      repoRoot,
      "dist/src",
      (relative) => relative.endsWith(".js") && !relative.startsWith("dist/src/localhost/"),
    ),
    ...packageDirs
      .filter((dir) => existsSync(path.join(repoRoot, dir)))
      .flatMap((dir) => filesUnder(repoRoot, dir, ownFile(dir))),
  ];
  return [...new Set(files)].sort();
}

/** Writes the zip and returns its path and size. */
export function buildPackage(
  repoRoot: string,
  output = path.join(repoRoot, PACKAGE_OUTPUT),
): { bytes: number; files: number } {
  const files = packageFileList(repoRoot);
  const entries: Zippable = {};
  for (const file of files) entries[file] = readFileSync(path.join(repoRoot, file));
  const zip = zipSync(entries, { level: 6, mtime: new Date("2000-01-01T00:00:00Z") });
  mkdirSync(path.dirname(output), { recursive: true });
  writeFileSync(output, zip);
  return { bytes: zip.byteLength, files: files.length };
}

if (require.main === module) {
  const repoRoot = path.resolve(__dirname, "../..");
  const { bytes, files } = buildPackage(repoRoot);
  console.log(`${PACKAGE_OUTPUT}: ${(bytes / 1024 / 1024).toFixed(2)} MiB, ${files} files`);
}
