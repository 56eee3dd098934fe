import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { MUTATIONS } from "../../scripts/mutations";

const DIST = resolve(__dirname, "..", "..");

describe("npm run test:mutation cannot rot", () => {
  for (const mutation of MUTATIONS) {
    it(`${mutation.name}: its site occurs exactly once in dist/${mutation.file} and its tests exist`, () => {
      const text = readFileSync(join(DIST, mutation.file), "utf8");
      const at = text.indexOf(mutation.find);
      assert.notEqual(at, -1, "site found");
      assert.equal(text.indexOf(mutation.find, at + 1), -1, "site unique");
      assert.notEqual(mutation.replace, mutation.find);
      for (const tests of mutation.tests) assert.ok(existsSync(join(DIST, "test", tests)), tests);
    });
  }

  it("names are unique", () => {
    assert.equal(new Set(MUTATIONS.map((m) => m.name)).size, MUTATIONS.length);
  });
});
