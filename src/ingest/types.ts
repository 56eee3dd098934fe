/** Counters an ingestion unit reports (and checkpoints accumulate). */
export interface IngestCounts {
  /** Records read from Mimecast (including malformed ones). */
  fetched: number;
  /** Rows Sentinel accepted. */
  ingested: number;
  /** Malformed records stored in the dead-letter table. */
  deadLettered: number;
  /** Rows of uploads whose outcome is unknown (timeout after send): may exist twice, same EventId. */
  ambiguous: number;
  /** Mimecast pages or files read. */
  pages: number;
  /**
   * Rows sent again because the source changed under a resume point (a page re-read without a token
   * came back different, or a SIEM file vanished from its listing page). Never lost; they may exist
   * twice in Sentinel with the same EventId (dead-letters of that page may repeat too).
   */
  resent: number;
}

export const zeroCounts = (): IngestCounts => ({
  fetched: 0,
  ingested: 0,
  deadLettered: 0,
  ambiguous: 0,
  pages: 0,
  resent: 0,
});

export function addCounts(a: IngestCounts, b: IngestCounts): IngestCounts {
  return {
    fetched: a.fetched + b.fetched,
    ingested: a.ingested + b.ingested,
    deadLettered: a.deadLettered + b.deadLettered,
    ambiguous: a.ambiguous + b.ambiguous,
    pages: a.pages + b.pages,
    resent: a.resent + b.resent,
  };
}

/**
 * The result of one unit of work, as a value. Only transient faults *before anything was ingested*
 * are thrown (so a Durable retry can never re-send accepted rows); everything else is data.
 * `resume` is where the next attempt starts; it never points before accepted rows.
 */
export type UnitOutcome<R> = (
  | { kind: "completed"; counts: IngestCounts; resume: R }
  | { kind: "partial"; counts: IngestCounts; resume: R; reason: string }
  | { kind: "rate-limited"; counts: IngestCounts; resume: R; until: number }
  | { kind: "failed"; counts: IngestCounts; resume: R; reason: string; retryable: boolean }
) &
  DigestReport;

/** What a window's first pass saw, for the late-event sweep (see digest.ts). */
export interface DigestReport {
  /** EventId hashes this activity handled (rows accepted, records dead-lettered). */
  digest?: string;
  /** The window held too many events to keep a digest: it will not be swept. */
  digestOverflow?: boolean;
}

export const BUDGET_USED = "time budget used; continuing in the next activity";

/** True once a unit's time budget is used: it stops at the next boundary and reports `partial`. */
export function pastDeadline(job: { deadline?: number; now: () => number }): boolean {
  return job.deadline !== undefined && job.now() >= job.deadline;
}

/** The `partial` outcome of a unit that stopped at a boundary because its budget was used. */
export function budgetUsed<R>(counts: IngestCounts, resume: R): UnitOutcome<R> {
  return { kind: "partial", counts, resume, reason: BUDGET_USED };
}
