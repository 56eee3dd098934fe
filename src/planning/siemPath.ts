/**
 * Which path owns a SIEM type, read from the type's checkpointed cursor (the owner cursor written by
 * src/ingest/siemOwner.ts). Pure and free of I/O imports, so the supervisor can put it on health rows.
 */
export interface SiemPathView {
  /** The path that sends the type's live edge now. */
  owner: "batch" | "stream";
  /** Why (the hand-over's or hand-back's reason). */
  why: string;
  /** When that owner took over (absent: batch since before the stream existed, or not yet run). */
  since?: number;
}

/** The reason shown for a plain batch cursor: only `MIMECAST_SIEM_PATH=batch` keeps one once the type has run. */
export const BATCH_BY_SETTING = "batch: by setting";
/** The reason shown before a type's first unit ran. */
export const NOT_RUN_YET = "batch: history and backfill first";

export function siemPathView(cursor: unknown): SiemPathView {
  if (typeof cursor === "object" && cursor !== null && (cursor as { v?: unknown }).v === "siem-owner-1") {
    const c = cursor as { owner?: unknown; why?: unknown; since?: unknown };
    return {
      owner: c.owner === "stream" ? "stream" : "batch",
      why: typeof c.why === "string" ? c.why : String(c.owner),
      ...(typeof c.since === "number" ? { since: c.since } : {}),
    };
  }
  return { owner: "batch", why: cursor === undefined ? NOT_RUN_YET : BATCH_BY_SETTING };
}
