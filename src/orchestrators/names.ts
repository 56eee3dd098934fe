/** Function and entity names, shared by the registration point, the orchestrators and the local host. */
export const FUNCTIONS = {
  supervisor: "mimecastSupervisor",
  backfill: "mimecastBackfill",
  readCycleSettings: "mimecastReadCycleSettings",
  ingestUnit: "mimecastIngestUnit",
  writeHealth: "mimecastWriteHealth",
  checkpoint: "mimecastCheckpoint",
  digest: "mimecastDigest",
} as const;

/** The supervisor is a singleton: one fixed instance id, so "start" is idempotent. */
export const SUPERVISOR_INSTANCE_ID = "mimecast-sentinel-supervisor";

/** Backfill requests run as their own instances: `mimecast-backfill-<id>`. */
export const BACKFILL_INSTANCE_PREFIX = "mimecast-backfill-";
