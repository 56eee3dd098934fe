import { fingerprintEventId } from "./eventId";
import { siemCgFeed } from "./siem";
import { parseMimecastTime } from "./time";
import { timeFrom } from "./define";
import type { SiemV1FeedSpec } from "./types";

type Rec = Readonly<Record<string, unknown>>;

/**
 * 1.0 files carry one log type each, named by the file (`receipt_…`, `ttp_url_…`); records have no
 * `type`. This is the 2.0 CG `type` each 1.0 log type corresponds to.
 */
export const V1_TO_CG_TYPE: Readonly<Record<string, string>> = {
  receipt: "receipt",
  process: "process",
  delivery: "delivery",
  av: "av",
  spameventthread: "spam",
  jrnl: "journal",
  ttp_url: "url protect",
  ttp_ap: "attachment protect",
  ttp_impersonation: "impersonation protect",
  ttp_iep: "internal email protect",
};

/** 1.0 field → CG 2.0 field (Elastic's and the legacy parser's field lists). Others keep their name. */
const FIELD_RENAMES: Readonly<Record<string, string>> = {
  Sender: "senderEnvelope",
  sender: "senderEnvelope",
  headerFrom: "senderHeader",
  Rcpt: "recipients",
  recipient: "recipients",
  MsgId: "messageId",
  msgid: "messageId",
  Subject: "subject",
  Dir: "direction",
  Act: "action",
  Action: "action",
  RejType: "rejectionType",
  RejCode: "rejectionCode",
  RejInfo: "rejectionInfo",
  Cphr: "tlsCipher",
  TlsVer: "tlsVersion",
  UseTls: "tlsUsed",
  Hld: "holdReason",
  AttCnt: "numberAttachments",
  AttSize: "totalSizeAttachments",
  AttNames: "attachments",
  MsgSize: "emailSize",
  Delivered: "delivered",
  Attempt: "deliveryAttempts",
  Route: "route",
  Virus: "virusFound",
  fileExt: "fileExtension",
  acc: "accountId",
  aCode: "aggregateId",
  TaggedExternal: "taggedExternal",
  TaggedMalicious: "taggedMalicious",
  NewDomain: "newDomain",
  SimilarInternalDomain: "similarInternalDomain",
  InternalName: "internalUserName",
};

/** The 1.0 log type a file holds, from its name (`ttp_url_20241118…zip` → `ttp_url`). */
export function v1LogType(fileName: string): string {
  const base = fileName.replace(/^.*[\\/]/, "").toLowerCase();
  const ttp = /^(ttp_[a-z]+)/.exec(base);
  if (ttp) return ttp[1]!;
  return /^([a-z]+)/.exec(base)?.[1] ?? "unknown";
}

/**
 * A 1.0 record in CG 2.0 shape: `type` from the file name, `timestamp` (epoch ms) from `datetime`, the
 * renamed fields, every other field unchanged (so it lands in AdditionalFields). `IP` is the sender's IP
 * except in delivery logs, where it is the receiving server's. Null fields are left out and values are
 * text, so the json and key_value formats of one record normalise to the same object (and EventId).
 */
export function normaliseV1Record(record: Rec, fileName: string): Record<string, unknown> {
  const logType = v1LogType(fileName);
  const out: Record<string, unknown> = { type: V1_TO_CG_TYPE[logType] ?? logType };
  const datetime = record["datetime"];
  const ms = parseMimecastTime(datetime);
  out["timestamp"] = ms ?? datetime;
  for (const [field, value] of Object.entries(record)) {
    if (value === null || value === undefined) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const renamed =
      field === "IP" ? (logType === "delivery" ? "destinationIp" : "senderIp") : FIELD_RENAMES[field];
    const target = renamed !== undefined && !(renamed in record) && !(renamed in out) ? renamed : field;
    // `type`/`timestamp` are ours; a 1.0 field of that name is kept beside them, never overwritten.
    out[target in out ? `${target}_v1` : target] = text;
  }
  return out;
}

/**
 * API 1.0 SIEM logs (`POST /api/audit/get-siem-logs`, json or key_value files chained by `mc-siem-token`)
 * for tenants with 1.0 keys, into the same `Seg_Cg_CL` columns as the 2.0 CG feed.
 *
 * EventId: the CG rule (canonical-JSON fingerprint, type-aware through `type`) over the normalised
 * record, namespaced `siem-v1`. A record cannot get the same EventId via 1.0 and 2.0: the two APIs serve
 * different fields for one event (2.0 adds processingId, _offset/_partition, full aggregateId and ms
 * timestamps; 1.0 has second-precision `datetime` and a 22-char `aCode`), and no field identifies an event
 * in both, so a shared id would have to drop most fields and collide (Elastic #9048).
 */
export const siemV1Feed: SiemV1FeedSpec = {
  id: "siem-v1",
  title: "API 1.0 SIEM logs (get-siem-logs, json or key_value) into the CG table",
  permission: "API 1.0 application keys; Account → Logs → Read; Enhanced Logging on",
  defaultTable: siemCgFeed.defaultTable,
  source: "siem-v1",
  window: { kind: "token-chain" },
  retentionDays: 7,
  timeField: "datetime",
  eventTime: timeFrom("timestamp"),
  eventId: (record) => fingerprintEventId("siem-v1", record),
  normalise: normaliseV1Record,
  columns: siemCgFeed.columns,
  recordSchema: {
    type: "object",
    required: ["timestamp", "type"],
    properties: { timestamp: { type: ["number", "string"] }, type: { type: "string" } },
  },
};
