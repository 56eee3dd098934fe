/**
 * Named mutations of the compiled connector (dist/src/**), each a fault a test must catch, and the
 * tests (relative to dist/test, cheapest first) that should catch it. `npm run test:mutation` applies
 * them one at a time (scripts/mutation.ts); test/faults/mutationSites.test.ts checks every `find`
 * still occurs exactly once in dist, so a refactor cannot quietly turn a mutation into a no-op.
 */
export interface Mutation {
  name: string;
  /** What the mutant does wrong. */
  means: string;
  /** Compiled file, relative to dist/. */
  file: string;
  /** Exact text, once in the file. */
  find: string;
  replace: string;
  /** Test files or directories under dist/test, run in order until one fails. */
  tests: readonly string[];
}

const FAULTS = ["faults/faults.ci.test.js", "faults/faults.tz.ci.test.js"];
/** The fault suite's stream runs (hand-overs, repeats) come first for mutations of the stream paths. */
const STREAM_FAULTS = ["faults/faults.stream.ci.test.js", ...FAULTS];
const COMPLETED_WINDOW = `    if (result.kind === "completed") {
        return {
            ...advanceWatermark(watermark, [...state.covered, { from: unit.from, to: unit.to }]),`;
const FAILED_PAGE_RESUME = `                    ...(page.requestToken ? { pageToken: page.requestToken } : {}),
                    skipRecords: result.progress.safeThrough,`;

export const MUTATIONS: readonly Mutation[] = [
  {
    name: "watermark-advances-on-failure",
    means: "a failed or partial window moves the watermark as if it had completed",
    file: "src/planning/checkpoint.js",
    find: COMPLETED_WINDOW,
    replace: COMPLETED_WINDOW.replace(`result.kind === "completed"`, `result.kind !== "never"`),
    tests: ["planning", ...FAULTS],
  },
  {
    name: "watermark-never-advances",
    means: "finished windows never move the watermark",
    file: "src/planning/checkpoint.js",
    find: "if (range.from <= mark)",
    replace: "if (false)",
    tests: ["planning", ...FAULTS],
  },
  {
    name: "backfill-never-planned",
    means: "the planner only ever plans the live window",
    file: "src/planning/planner.js",
    find: "backfill: backfill.map(fresh),",
    replace: "backfill: [],",
    tests: ["planning", ...FAULTS],
  },
  {
    name: "fingerprint-ignores-record",
    means: "every record of a feed without its own id gets the same EventId",
    file: "src/feeds/eventId.js",
    find: "${canonicalJson(record, exports.MAX_CANONICAL_DEPTH, omit)}`",
    replace: "${canonicalJson(null, exports.MAX_CANONICAL_DEPTH, omit)}`",
    tests: ["feeds", ...FAULTS],
  },
  {
    name: "window-from-plus-1s",
    means: "a JSON window asks from one second after its start",
    file: "src/feeds/define.js",
    find: "from: (0, time_1.formatMimecastTime)(window.from),",
    replace: "from: (0, time_1.formatMimecastTime)(window.from + 1000),",
    tests: ["faults/windowBounds.test.js", "feeds", "ingest", ...FAULTS],
  },
  {
    name: "window-from-minus-1s",
    means: "a JSON window asks from one second before its start",
    file: "src/feeds/define.js",
    find: "from: (0, time_1.formatMimecastTime)(window.from),",
    replace: "from: (0, time_1.formatMimecastTime)(window.from - 1000),",
    tests: ["faults/windowBounds.test.js", "feeds", "ingest", ...FAULTS],
  },
  {
    name: "window-to-plus-1s",
    means: "a JSON window asks to one second after its end",
    file: "src/feeds/define.js",
    find: "to: (0, time_1.formatMimecastTime)(window.to),",
    replace: "to: (0, time_1.formatMimecastTime)(window.to + 1000),",
    tests: ["faults/windowBounds.test.js", "feeds", "ingest", ...FAULTS],
  },
  {
    name: "window-to-minus-1s",
    means: "a JSON window asks to one second before its end",
    file: "src/feeds/define.js",
    find: "to: (0, time_1.formatMimecastTime)(window.to),",
    replace: "to: (0, time_1.formatMimecastTime)(window.to - 1000),",
    tests: ["faults/windowBounds.test.js", "feeds", "ingest", ...FAULTS],
  },
  {
    name: "failed-page-rest-skipped",
    means: "after a failed upload the JSON window resumes at the next page, skipping the rest of this one",
    file: "src/ingest/jsonWindow.js",
    find: FAILED_PAGE_RESUME,
    replace: `                    ...(page.nextToken ? { pageToken: page.nextToken } : {}),
                    skipRecords: 0,`,
    tests: ["ingest", ...FAULTS],
  },
  {
    name: "broken-file-rest-skipped",
    means: "a SIEM file whose download broke resumes past its end, skipping its unread lines",
    file: "src/ingest/siemBatch.js",
    find: "return (0, jsonWindow_1.failureOutcome)(error, counts, at(progress));",
    replace:
      "return (0, jsonWindow_1.failureOutcome)(error, counts, at({ safeThrough: 1e9, deadLetteredThrough: 1e9 }));",
    tests: ["ingest", ...FAULTS],
  },
  {
    name: "checkpoint-before-digest",
    means:
      "a window's digest is not stored before its result goes back to be checkpointed (the order dc5bb12 fixed; the activity stores it since the Durable fixes)",
    file: "src/activities/unitProgress.js",
    find: 'await channel.signalEntity((0, dispatch_1.digestEntityId)(unit), "add", out.digest);',
    replace: "void 0;",
    tests: ["faults/digestOrder.test.js", "activities", "localhost", ...FAULTS],
  },
  {
    name: "journal-never-cleared",
    means: "the local engine's store keeps a work item (activity, message) after it completed",
    file: "src/localhost/store.js",
    find: 'this.sql("DELETE FROM messages WHERE seq = ?").run(seq);',
    replace: "void seq;",
    tests: ["localhost/journal.test.js", "localhost"],
  },
  {
    name: "local-time-formatting",
    means: "window bounds are formatted with local-time getters (getHours)",
    file: "src/feeds/time.js",
    find: "${pad(d.getUTCHours())}",
    replace: "${pad(d.getHours())}",
    tests: ["feeds", "faults/windowBounds.test.js", ...FAULTS],
  },
  {
    name: "local-day-formatting",
    means: "the SIEM day is formatted with local-date getters",
    file: "src/feeds/time.js",
    find: "-${pad(d.getUTCDate())}`;",
    replace: "-${pad(d.getDate())}`;",
    tests: ["feeds", "faults/windowBounds.test.js", ...FAULTS],
  },
  {
    name: "dead-letters-dropped",
    means: "records that cannot be mapped are skipped instead of dead-lettered",
    file: "src/ingest/segment.js",
    find: "const rows = deadLetters.map((i) => deadLetterRow(feedId, i, now));",
    replace: "const rows = [];",
    tests: ["ingest", ...FAULTS],
  },
  {
    name: "lag-ignored",
    means: "windows run up to now instead of now minus MIMECAST_LAG_SECONDS",
    file: "src/planning/planner.js",
    find: "const head = Math.min(now - descriptor.lagMs,",
    replace: "const head = Math.min(now,",
    tests: ["planning", ...FAULTS],
  },
  {
    name: "stream-never-rereads",
    means: "the SIEM stream reads each bucket at the live edge only, never again for late events",
    file: "src/ingest/siemStream.js",
    find: "if (due < 0)",
    replace: "if (due < 0 || true)",
    tests: ["ingest", ...STREAM_FAULTS],
  },
  {
    name: "stream-digest-ignored",
    means: "the SIEM stream sends again events it already sent (repeated pages, re-reads of a bucket)",
    file: "src/ingest/siemStream.js",
    find: "if (seen(hash) || inPage.has(hash))",
    replace: "if (inPage.has(hash))",
    tests: ["ingest", ...STREAM_FAULTS],
  },
  {
    name: "request-checkpoint-dropped",
    means: "no checkpoint after each request Sentinel accepted (only at a page, file or unit end)",
    file: "src/ingest/segment.js",
    find: "await options.onRequestAccepted?.(batch.length);",
    replace: "void 0;",
    tests: ["ingest/requestCheckpoint.test.js", "ingest", ...FAULTS],
  },
  {
    name: "run-claim-ignored",
    means: "every copy of a running activity leads (two copies at once both send)",
    file: "src/activities/runLease.js",
    find: "if (claim?.by === by)",
    replace: "if (true)",
    tests: ["activities/concurrentCopies.test.js", "activities", ...FAULTS],
  },
  {
    name: "budget-use-not-shared",
    means: "each instance spends its own client-side budget (40 instances: 40 budgets per window)",
    file: "src/mimecast/rateLimiter.js",
    find: "return mine + (others?.window === window ? others.used : 0);",
    replace: "return mine;",
    tests: ["mimecast/sharedBudget.test.js", "mimecast"],
  },
  {
    name: "handback-without-skip",
    means: "a stream → batch hand-back forgets what the stream already sent, so batch sends it again",
    file: "src/ingest/siemOwner.js",
    find: "const skip = (0, digest_1.encodeDigest)(",
    replace: 'const skip = "" && (0, digest_1.encodeDigest)(',
    tests: ["ingest", ...STREAM_FAULTS],
  },
];
