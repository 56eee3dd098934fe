import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { zeroCounts } from "../../src/ingest/types";
import type { IngestCounts } from "../../src/ingest/types";
import type { CheckpointState, UnitResult, WorkUnit } from "../../src/planning/types";

/**
 * Property tests of the checkpoint reducers as the entity applies them (JSON round trip included):
 * whatever order results and per-segment progress arrive in, however often each is delivered, a
 * watermark or cursor never moves back, every run is counted exactly once, and a reset is never
 * overwritten by a unit planned before it. The oracle is plain arithmetic over the generated runs.
 */

const H = 3_600_000;
const T0 = Date.UTC(2024, 10, 1);
const KEY = "cursor";
const SEED = 20_241_101;

type Message = { op: "record" | "progress"; input: unknown };

interface Run {
  /** Per accepted segment: rows in it. */
  segments: number[];
  /** Rows after the last segment, sent with the result. */
  tail: number;
}

const runArb = fc.record({
  segments: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }),
  tail: fc.integer({ min: 0, max: 5 }),
});

const rows = (n: number): IngestCounts => ({ ...zeroCounts(), ingested: n, fetched: n });

function apply(state: CheckpointState | undefined, message: Message): CheckpointState | undefined {
  const input = JSON.parse(JSON.stringify(message.input)) as unknown;
  const { state: next, reply } = applyCheckpointOperation(KEY, state, message.op, input);
  assert.ok(!("error" in reply), `the entity accepted ${message.op}`);
  return next === undefined ? undefined : (JSON.parse(JSON.stringify(next)) as CheckpointState);
}

/** The messages of one run: a progress per segment (cumulative counts), then its result. */
function messagesOf(
  unit: WorkUnit,
  run: Run,
  final: "completed" | "partial",
  resumeAt: (seq: number) => unknown,
): Message[] {
  const out: Message[] = [];
  let total = 0;
  run.segments.forEach((n, i) => {
    total += n;
    out.push({
      op: "progress",
      input: { unit, resume: resumeAt(i + 1), counts: rows(total), seq: i + 1, at: T0 },
    });
  });
  total += run.tail;
  const result: UnitResult =
    final === "completed"
      ? { kind: "completed", counts: rows(total), resume: resumeAt(99) }
      : { kind: "partial", counts: rows(total), resume: resumeAt(99), reason: "budget used" };
  out.push({ op: "record", input: { unit, result, at: T0 } });
  return out;
}

const runTotal = (run: Run): number => run.segments.reduce((a, b) => a + b, 0) + run.tail;

/** Delivers every message at least once, duplicates some, in the order the permutation says. */
const deliveryArb = (count: number) =>
  fc.record({
    order: fc.shuffledSubarray(
      Array.from({ length: count }, (_, i) => i),
      { minLength: count, maxLength: count },
    ),
    duplicates: fc.array(fc.integer({ min: 0, max: Math.max(0, count - 1) }), { maxLength: count }),
    positions: fc.array(fc.nat(), { maxLength: count }),
  });

function deliver(messages: Message[], d: { order: number[]; duplicates: number[]; positions: number[] }) {
  const sequence = d.order.map((i) => messages[i]!);
  d.duplicates.forEach((i, k) => {
    const at = (d.positions[k] ?? 0) % (sequence.length + 1);
    sequence.splice(at, 0, messages[i % messages.length]!);
  });
  return sequence;
}

describe("checkpoint reducers under duplicated, delayed and reordered messages (fast-check)", () => {
  it("time windows: the watermark never moves back, ends past every finished window, and each run counts once", () => {
    const windowsArb = fc.array(fc.array(runArb, { minLength: 1, maxLength: 3 }), {
      minLength: 1,
      maxLength: 4,
    });
    const property = fc.property(
      windowsArb.chain((windows) => {
        const count = windows.reduce((n, runs) => n + runs.reduce((m, r) => m + r.segments.length + 1, 0), 0);
        return fc.tuple(fc.constant(windows), deliveryArb(count));
      }),
      ([windows, delivery]) => {
        const messages: Message[] = [];
        windows.forEach((runs, w) => {
          runs.forEach((run, j) => {
            const unit: WorkUnit = {
              kind: "time-window",
              key: KEY,
              feedId: "dlp",
              from: T0 + w * H,
              to: T0 + (w + 1) * H,
              origin: T0,
              // Later runs of a window are dispatched later (next batch or next cycle).
              run: { at: T0 + (j * 10 + w) * 1000, n: w },
            };
            const final = j === runs.length - 1 ? "completed" : "partial";
            messages.push(...messagesOf(unit, run, final, (seq) => ({ run: j, seq })));
          });
        });
        let state: CheckpointState | undefined;
        let mark = Number.NEGATIVE_INFINITY;
        for (const message of deliver(messages, delivery)) {
          state = apply(state, message);
          const watermark = state?.watermark ?? Number.NEGATIVE_INFINITY;
          assert.ok(watermark >= mark, "the watermark never moves back");
          mark = watermark;
        }
        assert.equal(
          state?.watermark,
          T0 + windows.length * H,
          "every window finished, contiguous from the origin",
        );
        assert.deepEqual(state?.open, [], "no finished window is reopened by a late message");
        assert.deepEqual(state?.covered, []);
        const expected = windows.reduce((n, runs) => n + runs.reduce((m, r) => m + runTotal(r), 0), 0);
        assert.equal(state?.totals.ingested, expected, "each run counted exactly once");
      },
    );
    fc.assert(property, { seed: SEED, numRuns: 300 });
  });

  it("SIEM cursors: the cursor only moves forward in run/segment order and ends at the last run's result", () => {
    const property = fc.property(
      fc.array(runArb, { minLength: 1, maxLength: 5 }).chain((runs) => {
        const count = runs.reduce((m, r) => m + r.segments.length + 1, 0);
        return fc.tuple(fc.constant(runs), deliveryArb(count));
      }),
      ([runs, delivery]) => {
        const messages = runs.flatMap((run, j) =>
          messagesOf(
            {
              kind: "siem-day",
              key: KEY,
              feedId: "siem-cg",
              type: "receipt",
              fromDay: "2024-11-01",
              run: { at: T0 + j * 1000, n: 0 },
            },
            run,
            j === runs.length - 1 ? "completed" : "partial",
            (seq) => ({ position: j * 100 + seq }),
          ),
        );
        let state: CheckpointState | undefined;
        let position = Number.NEGATIVE_INFINITY;
        for (const message of deliver(messages, delivery)) {
          state = apply(state, message);
          const now =
            (state?.cursor as { position?: number } | undefined)?.position ?? Number.NEGATIVE_INFINITY;
          assert.ok(now >= position, `the cursor never moves back (${position} → ${now})`);
          position = now;
        }
        assert.deepEqual(state?.cursor, { position: (runs.length - 1) * 100 + 99 });
        assert.equal(
          state?.totals.ingested,
          runs.reduce((m, r) => m + runTotal(r), 0),
        );
      },
    );
    fc.assert(property, { seed: SEED, numRuns: 300 });
  });

  it("a reset is never overwritten by a unit planned before it, whenever that unit's messages arrive", () => {
    const property = fc.property(
      fc.tuple(
        fc.array(runArb, { minLength: 1, maxLength: 3 }),
        fc.array(runArb, { minLength: 1, maxLength: 3 }),
      ),
      fc.nat(),
      fc.nat(),
      ([before, after], split, seedOrder) => {
        const unit = (epoch: number, j: number): WorkUnit => ({
          kind: "token-chain",
          key: KEY,
          feedId: "siem-v1",
          startTimeMs: T0,
          run: { at: T0 + (epoch * 100 + j) * 1000, n: 0 },
          ...(epoch > 0 ? { epoch } : {}),
        });
        const old = before.flatMap((run, j) =>
          messagesOf(unit(0, j), run, "partial", (seq) => ({ token: `old-${j}-${seq}` })),
        );
        const fresh = after.flatMap((run, j) =>
          messagesOf(unit(1, j), run, j === after.length - 1 ? "completed" : "partial", (seq) => ({
            token: `new-${j}-${seq}`,
          })),
        );
        // Old messages arrive on both sides of the reset, shuffled; new ones only after it (their
        // units were planned from the reset state) but interleaved with the late old ones.
        const rotate = <T>(items: T[], by: number): T[] =>
          items.length === 0
            ? items
            : [...items.slice(by % items.length), ...items.slice(0, by % items.length)];
        const shuffledOld = rotate(old, seedOrder);
        const cut = split % (shuffledOld.length + 1);
        const lateOld = shuffledOld.slice(cut);
        const afterReset: Message[] = [];
        for (let i = 0; i < Math.max(lateOld.length, fresh.length); i += 1) {
          if (lateOld[i]) afterReset.push(lateOld[i]!);
          if (fresh[i]) afterReset.push(fresh[i]!);
        }
        let state: CheckpointState | undefined;
        for (const message of shuffledOld.slice(0, cut)) state = apply(state, message);
        const resetOp = { op: "reset", input: { at: T0, by: "operator", reason: "re-read from the start" } };
        state = applyCheckpointOperation(KEY, state, resetOp.op, resetOp.input).state;
        for (const message of afterReset) {
          state = apply(state, message);
          const token = (state?.cursor as { token?: string } | undefined)?.token;
          assert.ok(token === undefined || token.startsWith("new-"), `after the reset, never ${token}`);
        }
        assert.equal(
          (state?.cursor as { token?: string } | undefined)?.token,
          `new-${after.length - 1}-99`,
          "only units planned after the reset move the cursor",
        );
        assert.equal(state?.epoch, 1);
        const all = [...before, ...after].reduce((m, r) => m + runTotal(r), 0);
        assert.equal(state?.totals.ingested, all, "rows sent before the reset still count, once");
      },
    );
    fc.assert(property, { seed: SEED, numRuns: 300 });
  });
});
