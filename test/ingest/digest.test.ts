import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeDigest, digestSize, encodeDigest, hashEventId, mergeDigests } from "../../src/ingest/digest";

describe("EventId digests (late-event sweep)", () => {
  it("round-trips a set of hashes, sorted and without repeats, at 4 bytes each", () => {
    const ids = ["dlp:a", "dlp:b", "dlp:c", "dlp:a"];
    const digest = encodeDigest(ids.map(hashEventId));
    assert.equal(digestSize(digest), 3);
    assert.deepEqual(decodeDigest(digest), new Set(ids.map(hashEventId)));
    assert.equal(Buffer.from(digest, "base64").length, 12);
  });

  it("merges the digests of a window's activities", () => {
    const a = encodeDigest([1, 2, 3]);
    const b = encodeDigest([3, 4]);
    assert.deepEqual([...decodeDigest(mergeDigests(a, b))], [1, 2, 3, 4]);
    assert.deepEqual([...decodeDigest(mergeDigests(undefined, b))], [3, 4]);
  });

  it("hashes are stable (they are stored between runs) and spread", () => {
    assert.equal(hashEventId("audit:abc"), hashEventId("audit:abc"));
    const hashes = new Set(Array.from({ length: 5000 }, (_, i) => hashEventId(`ttp-url:${i}`)));
    assert.equal(hashes.size, 5000);
  });
});
