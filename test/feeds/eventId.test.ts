import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, fingerprintEventId, ownIdEventId } from "../../src/feeds/eventId";

describe("EventId", () => {
  it("uses the record's own id when it has one", () => {
    assert.equal(
      ownIdEventId("audit", "eNqrVkrOz0nNzctXslIqLU4tUtJRyk"),
      "audit:eNqrVkrOz0nNzctXslIqLU4tUtJRyk",
    );
  });

  it("fingerprints the same record identically regardless of key order", () => {
    const a = { type: "receipt", timestamp: 1731437527130, messageId: "<m1@x>", nested: { b: 1, a: 2 } };
    const b = { nested: { a: 2, b: 1 }, messageId: "<m1@x>", timestamp: 1731437527130, type: "receipt" };
    assert.equal(fingerprintEventId("siem-cg", a), fingerprintEventId("siem-cg", b));
    assert.match(fingerprintEventId("siem-cg", a), /^[0-9a-f]{32}$/);
  });

  it("does not collide when messageId is missing but other fields differ (Elastic #9048)", () => {
    const base = { type: "process", timestamp: 1731437527130, processingId: "p1", aggregateId: "a1" };
    const ids = new Set([
      fingerprintEventId("siem-cg", { ...base, action: "Acc" }),
      fingerprintEventId("siem-cg", { ...base, action: "Hld" }),
      fingerprintEventId("siem-cg", { ...base, type: "receipt", action: "Acc" }),
    ]);
    assert.equal(ids.size, 3);
  });

  it("separates feeds even for identical payloads", () => {
    assert.notEqual(fingerprintEventId("dlp", { x: 1 }), fingerprintEventId("ttp-url", { x: 1 }));
  });

  it("canonical JSON sorts keys at every level and drops undefined", () => {
    assert.equal(
      canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, z: null }),
      '{"b":[{"c":2,"d":1}],"z":null}',
    );
  });
});
