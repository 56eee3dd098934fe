/** Function and entity names, shared by the registration point, the orchestrators and the local host. */
export const FUNCTIONS = {
  supervisor: "mimecastSupervisor",
  backfill: "mimecastBackfill",
  readCycleSettings: "mimecastReadCycleSettings",
  ingestUnit: "mimecastIngestUnit",
  writeHealth: "mimecastWriteHealth",
  checkpoint: "mimecastCheckpoint",
  digest: "mimecastDigest",
  control: "mimecastControl",
  rateLimit: "mimecastRateLimit",
} as const;

/** Key of the control entity (operator stop flag, tracked backfill instances). */
export const CONTROL_ENTITY_KEY = "supervisor";

/** External event that wakes a sleeping supervisor for an operator's stop. */
export const STOP_EVENT = "operatorStop";

/** The supervisor is a singleton: one fixed instance id, so "start" is idempotent. */
export const SUPERVISOR_INSTANCE_ID = "mimecast-sentinel-supervisor";

/** Backfill requests run as their own instances: `mimecast-backfill-<id>`. */
export const BACKFILL_INSTANCE_PREFIX = "mimecast-backfill-";
