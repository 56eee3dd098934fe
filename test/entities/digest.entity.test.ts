import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import { encodeDigest } from "../../src/ingest/digest";
import { FUNCTIONS } from "../../src/orchestrators/names";
import { runEntityBatch } from "../helpers/durableHarness";
import { captureRegistrations } from "../helpers/registrations";

const registrations = captureRegistrations(path.resolve(__dirname, "../../src/index.js"));
const handlerOf = (name: string): Parameters<typeof runEntityBatch>[0] => {
  const registration = registrations.find((r) => r.name === name);
  assert.ok(registration, `${name} is registered`);
  return registration.options["handler"] as Parameters<typeof runEntityBatch>[0];
};
const digest = handlerOf(FUNCTIONS.digest);
const checkpoint = handlerOf(FUNCTIONS.checkpoint);
const self = { name: FUNCTIONS.digest, key: "dlp@1730419200000" };

describe("digest and checkpoint entities are really deleted (registered handlers through the SDK)", () => {
  it("delete destructs the digest: the SDK reports entityExists === false", async () => {
    const stored = encodeDigest([1, 2, 3]);
    const result = await runEntityBatch(digest, self, stored, [{ name: "delete", signal: true }]);
    assert.equal(result.entityExists, false, "a reply after destructOnExit would resurrect it");
    assert.equal(result.entityState, undefined);
  });

  it("get on a missing digest creates nothing", async () => {
    const result = await runEntityBatch(digest, self, undefined, [{ name: "get" }]);
    assert.equal(result.entityExists, false);
    const unknown = await runEntityBatch(digest, self, undefined, [{ name: "explode", signal: true }]);
    assert.equal(unknown.entityExists, false);
  });

  it("add then delete in one batch leaves no entity; delete then add keeps the new digest", async () => {
    const added = encodeDigest([7]);
    const gone = await runEntityBatch(digest, self, undefined, [
      { name: "add", input: added, signal: true },
      { name: "delete", signal: true },
    ]);
    assert.equal(gone.entityExists, false);
    const back = await runEntityBatch(digest, self, encodeDigest([1]), [
      { name: "delete", signal: true },
      { name: "add", input: added, signal: true },
    ]);
    assert.equal(back.entityExists, true);
    assert.equal(JSON.parse(back.entityState ?? '""'), added);
  });

  it("adding an empty digest (a window that sent nothing) creates no entity, and removes an empty one", async () => {
    const nothing = encodeDigest([]);
    const missing = await runEntityBatch(digest, self, undefined, [
      { name: "add", input: nothing, signal: true },
    ]);
    assert.equal(missing.entityExists, false);
    // An empty digest an older version stored is the same as none: it goes.
    const empty = await runEntityBatch(digest, self, nothing, [
      { name: "add", input: nothing, signal: true },
    ]);
    assert.equal(empty.entityExists, false);
    const kept = await runEntityBatch(digest, self, encodeDigest([9]), [
      { name: "add", input: nothing, signal: true },
    ]);
    assert.equal(kept.entityExists, true);
    assert.equal(JSON.parse(kept.entityState ?? '""'), encodeDigest([9]));
  });

  it("an existing digest answers get with itself", async () => {
    const stored = encodeDigest([4, 5]);
    const result = await runEntityBatch(digest, self, stored, [{ name: "get" }]);
    assert.equal(result.entityExists, true);
    assert.equal(JSON.parse(result.results[0]?.result ?? '""'), stored);
  });

  it("a finished backfill's checkpoint is deleted by `delete`", async () => {
    const result = await runEntityBatch(
      checkpoint,
      { name: FUNCTIONS.checkpoint, key: "backfill~r1~dlp" },
      { key: "backfill~r1~dlp", covered: [], open: [], totals: {}, consecutiveFailures: 0, resets: [] },
      [{ name: "delete", signal: true }],
    );
    assert.equal(result.entityExists, false);
  });
});
