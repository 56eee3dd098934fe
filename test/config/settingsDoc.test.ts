import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import {
  formattedSettingsDoc,
  README_PATH,
  renderSettingsDoc,
  SETTINGS_DOC_PATH,
} from "../../scripts/gen-settings-doc";
import { SETTING_NAMES, SETTINGS_SCHEMA } from "../../src/config";

/** dist/test/config → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");

describe("docs/settings.md", () => {
  test("is up to date with the schema (regenerate: node dist/scripts/gen-settings-doc.js)", async () => {
    const committed = readFileSync(path.join(REPO_ROOT, SETTINGS_DOC_PATH), "utf8");
    assert.equal(committed, await formattedSettingsDoc(REPO_ROOT));
  });

  test("README stays short: it links the settings reference instead of repeating its tables", () => {
    const readme = readFileSync(path.join(REPO_ROOT, README_PATH), "utf8");
    assert.ok(readme.includes("(docs/settings.md)"));
    assert.ok(!readme.includes("| `MIMECAST_SECRET_CACHE_TTL_SECONDS` |"), "no settings table in README");
    assert.ok(readme.length < 25_000, `README is ${readme.length} characters`);
  });

  test("has a row for every setting, with required-when, default and secrecy", () => {
    const doc = renderSettingsDoc(SETTINGS_SCHEMA);
    for (const name of SETTING_NAMES) assert.ok(doc.includes(`| \`${name}\` |`), `${name} is missing`);
    assert.ok(doc.includes("| `MIMECAST_SCHEDULE` | no | `0 */5 * * * *` |"));
    assert.ok(
      doc.includes(
        "| `MIMECAST_CLIENT_SECRET` | when `MIMECAST_API_VERSION=2.0` (or `MIMECAST_CLIENT_SECRET_NAME`) |",
      ),
    );
    assert.match(doc, /`MIMECAST_SECRET_KEY` \|[^\n]*\*\*Secret\*\*: never logged/);
  });
});
