/**
 * Time is cut into fixed slots aligned to the epoch (so to UTC days). Events are generated per 15-minute
 * event slot; SIEM batch files cover a 15-minute publish slot (Sekoia: "batches are available every 15
 * minutes"), API 1.0 SIEM files a 30-minute one (Mimecast: "made available … every 30 minutes").
 */
import { MINUTE_MS } from "./time-format";

export const EVENT_SLOT_MS = 15 * MINUTE_MS;
export const BATCH_FILE_SLOT_MS = 15 * MINUTE_MS;
export const V1_FILE_SLOT_MS = 30 * MINUTE_MS;

export const slotOf = (ms: number, slotMs: number): number => Math.floor(ms / slotMs);
