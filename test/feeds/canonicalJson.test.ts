/**
 * canonicalJson writes the canonical form directly (remembered key orders per record shape, plain
 * strings passed through, depth-capped); it must write exactly what its definition (canonicalJsonByHand)
 * writes, or every fingerprint EventId would change.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalJson, canonicalJsonByHand } from "../../src/feeds/eventId";
import { Rng } from "../../simulator/core/random";

/** Seeded (mulberry32, the simulator's), so the values are the same on every run. */
function prng(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

const KEYS = [
  "type",
  "timestamp",
  "b",
  "a",
  "B",
  "_offset",
  "é",
  "10",
  "9",
  "0",
  "Z",
  "aa",
  "a b",
  "\u2028",
  "😀",
];

function randomValue(next: () => number, depth: number): unknown {
  const pick = Math.floor(next() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return next() < 0.5;
    case 2:
      return Math.round((next() - 0.5) * 1e6) / (next() < 0.5 ? 1 : 7);
    case 3:
      return `s${Math.floor(next() * 100)}${next() < 0.2 ? '"\\\n\u0001' : ""}`;
    case 4:
      return undefined;
    case 5:
      return String(Math.floor(next() * 1e13));
    case 6:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const record: Record<string, unknown> = {};
      const count = Math.floor(next() * 6);
      for (let i = 0; i < count; i += 1) {
        record[KEYS[Math.floor(next() * KEYS.length)]!] = randomValue(next, depth + 1);
      }
      return record;
    }
  }
}

describe("canonicalJson", () => {
  it("writes what its definition writes for 2,000 seeded random values", () => {
    const next = prng(20241118);
    for (let i = 0; i < 2_000; i += 1) {
      const value = randomValue(next, 0);
      assert.equal(canonicalJson(value), canonicalJsonByHand(value), JSON.stringify(value));
    }
  });

  it("writes what its definition writes for values plain JSON never holds", () => {
    const tricky: unknown[] = [
      { when: new Date(Date.UTC(2024, 10, 18)) },
      { "2": "b", "10": "a", x: 1 },
      JSON.parse('{"__proto__": {"a": 1}, "b": 2}'),
      { list: [1, , 3] }, // eslint-disable-line no-sparse-arrays
      { f: () => 1, s: Symbol("s") },
      { nested: Object.assign(Object.create(null) as object, { z: 1, a: 2 }) },
      { toJSON: () => "x" },
    ];
    for (const value of tricky) assert.equal(canonicalJson(value), canonicalJsonByHand(value));
  });

  it("is not fooled by records of one shape in turns, or by more shapes than it remembers", () => {
    const next = prng(77);
    for (let i = 0; i < 400; i += 1) {
      const keys = KEYS.filter(() => next() < 0.5);
      if (next() < 0.5) keys.reverse();
      const record: Record<string, unknown> = {};
      for (const key of keys) record[key] = randomValue(next, 1);
      assert.equal(canonicalJson(record), canonicalJsonByHand(record));
    }
  });
});
