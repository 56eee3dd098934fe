/** Feed vocabulary shared by the generator, the endpoints and the ground truth. */
import type { Rng } from "../core/random";

/** SIEM batch `type=` values (research A.4.1, A.4.3): one list, shared with the connector's client. */
export { SIEM_CG_TYPES, SIEM_CI_TYPES } from "../../src/mimecast/endpoints";

/** API 1.0 SIEM file kinds; the name is the file-name prefix Mimecast uses (research A.6, Sentinel §4). */
export const SIEM_V1_TYPES = [
  "receipt",
  "process",
  "delivery",
  "av",
  "spameventthread",
  "jrnl",
  "ttp_url",
  "ttp_ap",
  "ttp_impersonation",
] as const;

/** Every time-based feed the simulator generates. Awareness training is a snapshot, not a feed. */
export const FEED_KEYS = [
  "siem-cg",
  "siem-ci",
  "siem-v1",
  "dlp",
  "ttp-url",
  "ttp-attachment",
  "ttp-impersonation",
  "audit",
  "message-release",
  "archive-search",
  "threat-intel-customer",
  "threat-intel-grid",
  "rejections",
  "archive-view-logs",
  "remediation-incidents",
  "threat-events",
] as const;

export type FeedKey = (typeof FEED_KEYS)[number];
export type SiemFeedKey = "siem-cg" | "siem-ci" | "siem-v1";

export function isFeedKey(value: unknown): value is FeedKey {
  return typeof value === "string" && (FEED_KEYS as readonly string[]).includes(value);
}

/** The fields one email shares across its receipt/process/delivery/… lines, so correlation ids line up. */
export interface MessageIdentity {
  direction: "Inbound" | "Outbound" | "Internal";
  sender: string;
  senderName: string;
  recipient: string;
  subject: string;
  messageId: string;
  aggregateId: string;
  processingId: string;
  senderIp: string;
  /** Seconds suffix Mimecast appends to aggregate/processing ids. */
  epochSeconds: number;
}

export interface RecordContext {
  /** Per-event random stream: consume it in a fixed order to stay deterministic. */
  rng: Rng;
  eventTime: number;
  publishTime: number;
  slot: number;
  index: number;
  /** Identity of the email behind this line (same for every SIEM type at the same slot and index). */
  message(): MessageIdentity;
}

export type LogRecord = Record<string, unknown>;
export type RecordBuilder = (ctx: RecordContext) => LogRecord;

export interface FeedDefinition {
  key: FeedKey;
  /** Sub-streams with their own cursor (SIEM types); `[""]` for single-stream feeds. */
  types: readonly string[];
  defaultEventsPerDay: number;
  build(type: string, ctx: RecordContext): LogRecord;
}
