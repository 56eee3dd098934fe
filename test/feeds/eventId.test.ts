import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { xxh3 } from "@node-rs/xxhash";
import {
  CanonicalDepthError,
  EVENT_ID_SCHEME,
  MAX_CANONICAL_DEPTH,
  canonicalJson,
  fingerprintEventId,
  ownIdEventId,
  siemRecordEventId,
} from "../../src/feeds/eventId";
import { mapRecord } from "../../src/feeds/mapping";
import { siemCgFeed, siemCiFeed } from "../../src/feeds/siem";
import { ttpImpersonationFeed } from "../../src/feeds/ttpImpersonation";
import { Rng } from "../../simulator/core/random";

/** Seeded (mulberry32, the simulator's), so the values are the same on every run. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/** The same value with every object's keys in a shuffled order. */
function shuffledKeys(value: unknown, next: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffledKeys(v, next));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value);
  for (let i = keys.length - 1; i > 0; i -= 1) {
    const j = Math.floor(next() * (i + 1));
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = shuffledKeys((value as Record<string, unknown>)[key], next);
  return out;
}

const RECEIPT = {
  _offset: 100_217,
  _partition: 3,
  accountId: "CUSA1B23",
  action: "Acc",
  aggregateId: "agg-1",
  direction: "Inbound",
  messageId: "<m1@mail.example.com>",
  receiptErrors: null,
  spamProcessingDetail: '{"spf":{"allow":true}}',
  subject: "Quarterly report — Q3 \u00e9",
  timestamp: 1731437527130,
  type: "receipt",
};

const IMPERSONATION = {
  id: "MTOKEN:eNqrVkrOz0nNzctXslIqLU4tUtJRyk",
  action: "hold",
  definition: "Default Impersonation Definition",
  eventTime: "2024-11-18T10:12:13+0000",
  recipientAddress: "ceo@example.com",
  senderAddress: "ceo@examp1e.com",
  subject: "Urgent wire",
};

describe("EventId", () => {
  it(`scheme ${EVENT_ID_SCHEME}: xxHash3-128 over the feed id, NUL and the canonical JSON (known answer)`, () => {
    // The canonical text is written out here, not computed: a change of scheme fails this test.
    const canonical =
      '{"_offset":100217,"_partition":3,"accountId":"CUSA1B23","action":"Acc","aggregateId":"agg-1",' +
      '"direction":"Inbound","messageId":"<m1@mail.example.com>","receiptErrors":null,' +
      '"spamProcessingDetail":"{\\"spf\\":{\\"allow\\":true}}","subject":"Quarterly report — Q3 é",' +
      '"timestamp":1731437527130,"type":"receipt"}';
    assert.equal(canonicalJson(RECEIPT), canonical);
    const expected = xxh3.xxh128(`siem-cg\u0000${canonical}`).toString(16).padStart(32, "0");
    assert.equal(fingerprintEventId("siem-cg", RECEIPT), expected);
    // A SIEM record's EventId leaves out the batch-only file position, which the SIEM stream does not serve.
    const withoutPosition = canonical.replace('"_offset":100217,"_partition":3,', "");
    const siemExpected = xxh3.xxh128(`siem-cg\u0000${withoutPosition}`).toString(16).padStart(32, "0");
    assert.equal(siemCgFeed.eventId(RECEIPT), siemExpected);
  });

  it("is the same for the same record whatever its key order, at every level", () => {
    const next = prng(14);
    const nested = { ...RECEIPT, policiesApplied: [{ mode: "ACTIVE", action: "BLOCK" }], tags: ["A", "B"] };
    const id = fingerprintEventId("siem-ci", nested);
    for (let i = 0; i < 50; i += 1) {
      assert.equal(fingerprintEventId("siem-ci", shuffledKeys(nested, next)), id);
    }
    assert.match(id, /^[0-9a-f]{32}$/);
  });

  it("is the same however the line was written: whitespace, escapes, number spelling", () => {
    const compact = JSON.stringify(RECEIPT);
    const spaced = JSON.stringify(RECEIPT, null, 2);
    const escaped = compact.replace("Quarterly", "\\u0051uarterly").replace("é", "\\u00e9");
    const numbers = compact.replace("1731437527130", "1.73143752713e12");
    const ids = [compact, spaced, escaped, numbers].map((line) =>
      siemCgFeed.eventId(JSON.parse(line) as Record<string, unknown>),
    );
    assert.equal(new Set(ids).size, 1);
  });

  it("is the same for a SIEM record from a batch file and from the SIEM stream (one function for both)", () => {
    const fromStream = JSON.parse(JSON.stringify(shuffledKeys(RECEIPT, prng(3)))) as Record<string, unknown>;
    assert.equal(siemRecordEventId("cg", fromStream), siemCgFeed.eventId(RECEIPT));
    const ci = { ...RECEIPT, type: "entities", tags: ["PHISHING"] };
    assert.equal(siemRecordEventId("ci", shuffledKeys(ci, prng(4)) as typeof ci), siemCiFeed.eventId(ci));
    assert.notEqual(siemRecordEventId("ci", RECEIPT), siemRecordEventId("cg", RECEIPT));
  });

  it("differs for any changed value, and between feeds (Elastic #9048: no fixed field subset)", () => {
    const base = { type: "process", timestamp: 1731437527130, processingId: "p1", aggregateId: "a1" };
    const variants = [
      { ...base, action: "Acc" },
      { ...base, action: "Hld" },
      { ...base, type: "receipt", action: "Acc" },
      { ...base, action: "Acc", extra: null },
      { ...base, action: "Acc", processingId: "p2" },
      { ...base, action: ["Acc"] },
      { ...base, action: "Acc", timestamp: "1731437527130" },
    ];
    assert.equal(new Set(variants.map((v) => fingerprintEventId("siem-cg", v))).size, variants.length);
    assert.notEqual(fingerprintEventId("dlp", { x: 1 }), fingerprintEventId("ttp-url", { x: 1 }));
  });

  it("tells apart two distinct records sharing one Mimecast id (impersonation MTOKEN), and keeps a re-served one's", () => {
    const first = mapRecord(ttpImpersonationFeed, IMPERSONATION);
    const other = mapRecord(ttpImpersonationFeed, { ...IMPERSONATION, recipientAddress: "cfo@example.com" });
    const reServed = mapRecord(
      ttpImpersonationFeed,
      JSON.parse(JSON.stringify(shuffledKeys(IMPERSONATION, prng(9)))) as Record<string, unknown>,
    );
    assert.ok(first.kind === "row" && other.kind === "row" && reServed.kind === "row");
    assert.notEqual(first.eventId, other.eventId);
    assert.equal(reServed.eventId, first.eventId);
    assert.ok(first.eventId.startsWith(`ttp-impersonation:${IMPERSONATION.id}:`), first.eventId);
    assert.equal(ownIdEventId("audit", "abc"), "audit:abc");
  });

  it("gives every event of 5,000 seeded SIEM records its own id", () => {
    const next = prng(5000);
    const ids = new Set<string>();
    for (let i = 0; i < 5_000; i += 1) {
      ids.add(
        siemRecordEventId("cg", {
          ...RECEIPT,
          _offset: Math.floor(next() * 1e6),
          messageId: `<${Math.floor(next() * 1e9)}@x>`,
          timestamp: 1731437527130 + i,
        }),
      );
    }
    assert.equal(ids.size, 5_000);
  });

  it("canonical JSON sorts keys at every level and drops undefined", () => {
    assert.equal(
      canonicalJson({ b: [{ d: 1, c: 2 }], a: undefined, z: null }),
      '{"b":[{"c":2,"d":1}],"z":null}',
    );
  });
});

describe("EventId of a hostile record nested thousands deep (issue 11)", () => {
  const deepArrays = `{"type":"receipt","timestamp":1731437527130,"x":${"[".repeat(3000)}${"]".repeat(3000)}}`;
  const deepObjects = `{"type":"receipt","timestamp":1731437527130,"x":${'{"a":'.repeat(3000)}1${"}".repeat(3000)}}`;

  it("refuses depth beyond the cap with a typed error, without overflowing the stack", () => {
    for (const line of [deepArrays, deepObjects]) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.throws(() => canonicalJson(record), CanonicalDepthError);
    }
    let atCap: unknown = 1;
    for (let i = 0; i < MAX_CANONICAL_DEPTH; i += 1) atCap = [atCap];
    assert.equal(
      canonicalJson(atCap),
      `${"[".repeat(MAX_CANONICAL_DEPTH)}1${"]".repeat(MAX_CANONICAL_DEPTH)}`,
    );
    assert.throws(() => canonicalJson([atCap]), CanonicalDepthError);
  });

  it("maps it to a dead-letter naming the cause, and the next record maps as usual", () => {
    for (const line of [deepArrays, deepObjects]) {
      const mapped = mapRecord(siemCgFeed, JSON.parse(line) as Record<string, unknown>);
      assert.equal(mapped.kind, "dead-letter");
      assert.ok(mapped.kind === "dead-letter" && /nested deeper than 64 levels/.test(mapped.reason));
    }
    assert.equal(mapRecord(siemCgFeed, RECEIPT).kind, "row");
  });
});
