import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { zeroCounts } from "../../src/ingest/types";
import { MAX_CLAIMS_KEPT } from "../../src/planning/runClaims";
import type { CheckpointState, WorkUnit } from "../../src/planning/types";

/**
 * Property tests of run claims as the checkpoint entity applies them (JSON round trip included): the
 * holder of a run is the first claimant the entity applied, duplicates change nothing, a takeover only
 * succeeds against the holder it names at the position it saw, and a recorded run keeps no claim. The
 * oracle is a plain model over the generated message sequence.
 */
const T0 = Date.UTC(2024, 10, 1);
const SEED = 20_241_202;
const EXECUTORS = ["a", "b", "c"];

function unitOf(n: number): WorkUnit & { run: { at: number; n: number } } {
  return {
    kind: "siem-day",
    key: "siem-cg~receipt",
    feedId: "siem-cg",
    type: "receipt",
    fromDay: "2024-11-01",
    run: { at: T0, n },
  };
}

function apply(state: CheckpointState | undefined, op: string, input: unknown): CheckpointState | undefined {
  const copy = JSON.parse(JSON.stringify(input)) as unknown;
  const { state: next, reply } = applyCheckpointOperation("siem-cg~receipt", state, op, copy);
  assert.ok(!("error" in reply), `the entity accepted ${op}: ${JSON.stringify(reply)}`);
  return next === undefined ? undefined : (JSON.parse(JSON.stringify(next)) as CheckpointState);
}

const holderOf = (state: CheckpointState | undefined, n: number): string | undefined =>
  state?.claims?.find((c) => c.at === T0 && c.n === n)?.by;

type Msg =
  { op: "claim"; by: string; takeover?: { from: string; seq: number } } | { op: "progress"; seq: number };

const msgArb: fc.Arbitrary<Msg> = fc.oneof(
  fc.record({ op: fc.constant("claim" as const), by: fc.constantFrom(...EXECUTORS) }),
  fc.record({
    op: fc.constant("claim" as const),
    by: fc.constantFrom(...EXECUTORS),
    takeover: fc.record({ from: fc.constantFrom(...EXECUTORS), seq: fc.integer({ min: 0, max: 3 }) }),
  }),
  fc.record({ op: fc.constant("progress" as const), seq: fc.integer({ min: 1, max: 3 }) }),
);

function inputOf(msg: Msg, unit: WorkUnit): unknown {
  if (msg.op === "claim") return { unit, by: msg.by, ...(msg.takeover ? { takeover: msg.takeover } : {}) };
  return { unit, resume: { page: msg.seq }, counts: zeroCounts(), seq: msg.seq, at: T0 };
}

describe("run claims (checkpoint entity): one holder per run, changed only by a matching takeover", () => {
  it("the holder is the first claimant; it changes only when a takeover names it at its current position", () => {
    fc.assert(
      fc.property(fc.array(msgArb, { maxLength: 30 }), (messages) => {
        const unit = unitOf(0);
        let state: CheckpointState | undefined;
        let holder: string | undefined;
        let position = 0; // the model: seq of the run's current position
        for (const msg of messages) {
          state = apply(state, msg.op, inputOf(msg, unit));
          if (msg.op === "progress") position = Math.max(position, msg.seq);
          else if (holder === undefined) holder = msg.by;
          else if (msg.takeover && msg.takeover.from === holder && msg.takeover.seq === position)
            holder = msg.by;
          assert.equal(holderOf(state, 0), holder, `after ${JSON.stringify(msg)}`);
          // Delivered twice: the second copy changes nothing.
          assert.deepEqual(apply(state, msg.op, inputOf(msg, unit)), state);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("a release by the holder carries its result; by anyone else it is ignored; a recorded run keeps no claim", () => {
    fc.assert(
      fc.property(fc.constantFrom(...EXECUTORS), fc.constantFrom(...EXECUTORS), (first, releaser) => {
        const unit = unitOf(1);
        const result = { kind: "completed", counts: zeroCounts(), resume: { page: 9 } };
        let state = apply(undefined, "claim", { unit, by: first });
        state = apply(state, "release", { run: unit.run, by: releaser, seq: 0, result });
        const claim = state?.claims?.find((c) => c.n === 1);
        if (releaser === first) assert.deepEqual(claim?.result, result);
        else assert.equal(claim?.done, undefined);
        state = apply(state, "record", { unit, result, at: T0 });
        assert.equal(state?.claims, undefined);
        // A late duplicate claim of the recorded run brings none back.
        state = apply(state, "claim", { unit, by: releaser });
        assert.equal(state?.claims, undefined);
      }),
      { seed: SEED, numRuns: 50 },
    );
  });

  it("a failed holder's release without a result gives the claim up: the next claimant holds it", () => {
    const unit = unitOf(2);
    let state = apply(undefined, "claim", { unit, by: "a" });
    state = apply(state, "claim", { unit, by: "b" });
    assert.equal(holderOf(state, 2), "a");
    state = apply(state, "release", { run: unit.run, by: "a", seq: 0 });
    assert.equal(holderOf(state, 2), undefined);
    state = apply(state, "claim", { unit, by: "b" });
    assert.equal(holderOf(state, 2), "b");
  });

  it("claims of runs never recorded stay bounded (the newest MAX_CLAIMS_KEPT)", () => {
    let state: CheckpointState | undefined;
    for (let n = 0; n < 100; n += 1) state = apply(state, "claim", { unit: unitOf(n), by: "a" });
    assert.equal(state?.claims?.length, MAX_CLAIMS_KEPT);
    assert.equal(holderOf(state, 99), "a");
  });
});
