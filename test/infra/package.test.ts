import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { unzipSync } from "fflate";
import { buildPackage, packageFileList, productionPackageDirs } from "../../scripts/package";

/** dist/test/infra → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");

/** A tiny repository: built src and tests, a production and a dev dependency (with a nested one). */
function fixture(): string {
  const root = mkdtempSync(path.join(tmpdir(), "package-fixture-"));
  const write = (file: string, text = "x"): void => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  write("host.json", "{}");
  write("package.json", "{}");
  write("dist/src/index.js");
  write("dist/src/index.js.map");
  write("dist/src/feeds/audit.js");
  write("dist/src/localhost/store.js");
  write("dist/test/feeds/audit.test.js");
  write("dist/scripts/package.js");
  write("src/index.ts");
  write("node_modules/axios/index.js");
  write("node_modules/axios/node_modules/inner/index.js");
  write("node_modules/typescript/lib/tsc.js");
  write(
    "package-lock.json",
    JSON.stringify({
      packages: {
        "": {},
        "node_modules/axios": {},
        "node_modules/axios/node_modules/inner": {},
        "node_modules/typescript": { dev: true },
      },
    }),
  );
  return root;
}

describe("npm run package", () => {
  test("zips built src JS (without the local host), host.json, package.json and production dependencies only", () => {
    const root = fixture();
    try {
      const output = path.join(root, "out", "app.zip");
      const result = buildPackage(root, output);
      const entries = Object.keys(unzipSync(readFileSync(output))).sort();
      assert.deepEqual(entries, [
        "dist/src/feeds/audit.js",
        "dist/src/index.js",
        "host.json",
        "node_modules/axios/index.js",
        "node_modules/axios/node_modules/inner/index.js",
        "package.json",
      ]);
      assert.equal(result.files, entries.length);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("the real lockfile's production set has every dependency and no devDependency", () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8"));
    const dirs = new Set(productionPackageDirs(lock));
    for (const name of Object.keys(manifest.dependencies)) assert.ok(dirs.has(`node_modules/${name}`), name);
    for (const name of Object.keys(manifest.devDependencies))
      assert.ok(!dirs.has(`node_modules/${name}`), name);
  });

  test("no packaged module of the real build loads a devDependency (the local host and its SQLite stay out)", () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    const packaged = packageFileList(REPO_ROOT).filter((f) => f.startsWith("dist/src/"));
    assert.ok(packaged.includes("dist/src/index.js"));
    assert.ok(!packaged.some((f) => f.startsWith("dist/src/localhost/")));
    for (const file of packaged) {
      const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
      for (const name of Object.keys(manifest.devDependencies))
        assert.ok(!text.includes(`require("${name}")`), `${file} requires the devDependency ${name}`);
    }
  });
});
