// `npm start`'s prestart: compile only when a source is newer than the last build (a no-change start
// skips tsc's 15–25 s). `npm run build` and `npm test` still always compile.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { join } from "node:path";

const STAMP = "dist/scripts/start.js";
const ROOTS = ["src", "simulator", "test", "bench", "scripts"];
const FILES = ["tsconfig.json", "package.json", "package-lock.json"];

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(full));
    else if (entry.name.endsWith(".ts")) latest = Math.max(latest, statSync(full).mtimeMs);
  }
  return latest;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const sources = Math.max(
  ...ROOTS.filter((d) => existsSync(d)).map(newest),
  ...FILES.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs),
);
if (built > 0 && sources <= built) {
  process.stdout.write("build is up to date (no source newer than dist/); skipping tsc\n");
} else {
  process.stdout.write(built === 0 ? "building (first run)…\n" : "sources changed; building…\n");
  const result = spawnSync(
    process.execPath,
    [
      "node_modules/typescript/bin/tsc",
      "-p",
      "tsconfig.json",
      "--incremental",
      "--tsBuildInfoFile",
      "dist/.tsbuildinfo",
    ],
    { stdio: "inherit" },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  // tsc leaves an unchanged output's mtime alone: touch the stamp so the next start skips.
  const now = new Date();
  utimesSync(STAMP, now, now);
}
