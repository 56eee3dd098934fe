/**
 * Cloud Gateway SIEM batch lines, one builder per `type`. Field sets follow the Elastic v2 fixtures and the
 * Seg_Cg_CL columns (research A.4.1, sentinel §6.3); `timestamp` is epoch ms, most numbers are strings.
 * Object literals list keys alphabetically, as the real lines do (and it keeps generation allocation-light).
 */
import { ACCOUNT_CODE, TLS_CIPHERS, URL_CATEGORIES, attachment, externalIp, url } from "./identities";
import { dropMessageIdSometimes, offsetOf, partitionOf, str } from "./record-helpers";
import type { RecordBuilder } from "./types";

const SPF_OK = JSON.stringify({
  spf: { allow: true, info: "ALLOW" },
  dkim: { allow: true, info: "UNKNOWN" },
  dmarc: { allow: true, info: "ALLOW" },
});
const VIRUSES = ["Eicar-Test-Signature", "Trojan.Generic.Sim", "W97M.Downloader"] as const;

const receipt: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const action = rng.weighted([
    ["Acc", 85],
    ["Rej", 10],
    ["Ign", 3],
    ["Bnc", 2],
  ] as const);
  const rejected = action === "Rej";
  const tls = rng.chance(0.85);
  const virus = rejected && rng.chance(0.2) ? rng.pick(VIRUSES) : null;
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    action,
    aggregateId: m.aggregateId,
    direction: m.direction,
    messageId: rejected ? null : m.messageId,
    numberAttachments: str(rng.int(0, 2)),
    processingId: m.processingId,
    receiptErrors: null,
    recipients: m.recipient,
    rejectionCode: rejected ? "550" : null,
    rejectionInfo: rejected
      ? rng.pick(["Envelope blocked - User Entry", "Message contains a virus", "Invalid recipient"])
      : null,
    rejectionType: rejected
      ? rng.pick(["Manual Envelope Rejection", "Virus Signature Detection", "Recipient Rejected"])
      : null,
    senderEnvelope: m.sender,
    senderHeader: rejected ? null : m.sender,
    senderIp: m.senderIp,
    spamDetectionLevel: rejected ? null : str(rng.pick([7, 28])),
    spamInfo: rejected ? null : "[]",
    spamProcessingDetail: m.direction === "Inbound" ? SPF_OK : null,
    spamScore: rejected ? null : str(rng.int(0, 30)),
    subject: rejected ? null : m.subject,
    subtype: action,
    timestamp: ctx.eventTime,
    tlsCipher: tls ? rng.pick(TLS_CIPHERS) : null,
    tlsVersion: tls ? rng.pick(["TLSv1.2", "TLSv1.3"]) : null,
    type: "receipt",
    virusFound: virus,
  };
};

const process: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const action = rng.weighted([
    ["Acc", 80],
    ["Hld", 12],
    ["Sdbx", 4],
    ["Bnc", 2],
    ["Rty", 2],
  ] as const);
  const count = rng.int(0, 2);
  const file = attachment(rng);
  return dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    action,
    aggregateId: m.aggregateId,
    // A file name, as Mimecast writes it: no JSON quotes inside the string.
    attachments: count > 0 ? file.fileName : null,
    emailSize: str(rng.int(2_000, 60_000)),
    holdReason: action === "Hld" ? rng.pick(["Spm", "Att", "RcptLimit", "Imp", "Url", "Ctnt"]) : null,
    messageId: m.messageId,
    numberAttachments: str(count),
    processingId: m.processingId,
    senderEnvelope: m.sender,
    subject: m.subject,
    subtype: action,
    timestamp: ctx.eventTime,
    totalSizeAttachments: str(count > 0 ? file.size : 0),
    type: "process",
  });
};

const delivery: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const delivered = rng.chance(0.95);
  const tls = rng.chance(0.7);
  return dropMessageIdSometimes(ctx, {
    Hostname: `mx${rng.int(1, 4)}.${m.recipient.split("@")[1] ?? "example"}`,
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    delivered: delivered ? "true" : "false",
    deliveryAttempts: str(delivered ? 1 : rng.int(1, 5)),
    deliveryErrors: delivered ? null : "Connection timed out",
    deliveryTime: str(rng.int(300, 20_000)),
    destinationIp: externalIp(rng),
    direction: m.direction,
    emailSize: str(rng.int(2_000, 60_000)),
    messageId: m.messageId,
    numberAttachments: str(rng.int(0, 2)),
    processingId: m.processingId,
    recipients: m.recipient,
    rejectionCode: delivered ? null : "550",
    rejectionInfo: delivered ? null : "5.4.1 Recipient address rejected: Access denied",
    rejectionType: delivered ? null : "Recipient email address is possibly incorrect",
    route: rng.pick(["Office365", "Accept and drop messages", "Default Route"]),
    senderEnvelope: m.sender,
    subject: m.subject,
    subtype: delivered ? "true" : "false",
    timestamp: ctx.eventTime,
    tlsCipher: tls ? rng.pick(TLS_CIPHERS) : null,
    tlsUsed: tls ? "Yes" : "No",
    tlsVersion: tls ? "TLSv1.2" : null,
    totalSizeAttachments: str(rng.int(0, 40_000)),
    type: "delivery",
  });
};

const av: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const file = attachment(rng);
  return dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    direction: m.direction,
    emailSize: str(rng.int(4_000, 90_000)),
    fileExtension: file.extension,
    fileName: file.fileName,
    md5: rng.hex(32),
    messageId: m.messageId,
    processingId: m.processingId,
    recipients: m.recipient,
    route: m.direction,
    senderEnvelope: m.sender,
    senderIp: m.senderIp,
    sha1: rng.hex(40),
    sha256: rng.hex(64),
    subject: m.subject,
    subtype: null,
    timestamp: ctx.eventTime,
    type: "av",
    virusFound: rng.pick(VIRUSES),
  });
};

const spam: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const record = dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    messageId: m.messageId,
    processingId: m.processingId,
    recipients: m.recipient,
    route: m.direction,
    senderDomain: m.sender.split("@")[1] ?? "",
    senderEnvelope: m.sender,
    senderHeader: m.sender,
    senderIp: m.senderIp,
    subject: rng.chance(0.1) ? null : m.subject,
    subtype: null,
    timestamp: ctx.eventTime,
    type: "spam",
  });
  // Some spam lines also carry tagging flags (last Elastic fixture); re-sorted so key order stays alphabetical.
  if (!rng.chance(0.2)) return record;
  const tagged = { ...record, taggedExternal: "true", taggedMalicious: rng.chance(0.3) ? "true" : "false" };
  return Object.fromEntries(Object.entries(tagged).sort(([a], [b]) => (a < b ? -1 : 1)));
};

const internalEmailProtect: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  return dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    messageId: m.messageId,
    monitoredDomainSource: null,
    processingId: m.processingId,
    recipients: m.recipient,
    route: "Internal",
    scanResults: rng.pick(["Blocked URL Category", "Malicious URL", "Malicious Attachment"]),
    senderEnvelope: m.sender,
    similarDomain: null,
    subject: m.subject,
    subtype: null,
    timestamp: ctx.eventTime,
    type: "internal email protect",
    urlCategory: rng.pick(URL_CATEGORIES),
  });
};

const impersonationProtect: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const flag = (p: number): string => (rng.chance(p) ? "true" : "false");
  const action = rng.chance(0.4) ? "Hold" : "None";
  return dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    action,
    aggregateId: m.aggregateId,
    customNameMatch: flag(0.1),
    customThreatDictionary: flag(0.1),
    internalUserName: flag(0.5),
    itemsDetected: str(rng.int(1, 4)),
    messageId: m.messageId,
    mimecastThreatDictionary: flag(0.3),
    newDomain: flag(0.3),
    policyDefinition: "Default Impersonation Definition",
    processingId: m.processingId,
    recipients: m.recipient,
    replyMismatch: flag(0.2),
    route: "Inbound",
    senderEnvelope: m.sender,
    senderHeader: m.sender,
    senderIp: m.senderIp,
    similarCustomExternalDomain: flag(0.05),
    similarInternalDomain: flag(0.3),
    similarMimecastExternalDomain: flag(0.1),
    subject: m.subject,
    subtype: action,
    taggedExternal: "true",
    taggedMalicious: flag(0.6),
    timestamp: ctx.eventTime,
    type: "impersonation protect",
  });
};

const urlProtect: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const blocked = rng.chance(0.7);
  const action = blocked ? "Block" : "Allow";
  return dropMessageIdSometimes(ctx, {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    action,
    aggregateId: m.aggregateId,
    blockReason: blocked ? rng.pick(["Malicious", "Phishing", "Blocked Category"]) : null,
    credentialTheft: blocked && rng.chance(0.3) ? "Credential theft attempt" : null,
    messageId: m.messageId,
    policyDefinition: "Default Inbound URL Protect Definition",
    processingId: m.processingId,
    recipients: m.recipient,
    route: m.direction,
    senderEnvelope: m.sender,
    senderIp: m.senderIp,
    sourceIp: externalIp(rng),
    subject: m.subject,
    subtype: action,
    timestamp: ctx.eventTime,
    type: "url protect",
    url: url(rng, blocked),
    urlCategory: rng.pick(URL_CATEGORIES),
  });
};

const attachmentProtect: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const file = attachment(rng);
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    fileExtension: file.extension,
    fileName: file.fileName,
    md5: rng.hex(32),
    processingId: m.processingId,
    sha1: rng.hex(40),
    sha256: rng.hex(64),
    subtype: null,
    timestamp: ctx.eventTime,
    type: "attachment protect",
  };
};

const journal: RecordBuilder = (ctx) => {
  const m = ctx.message();
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    direction: m.direction,
    processingId: m.processingId,
    recipients: m.recipient,
    senderEnvelope: m.sender,
    subtype: null,
    timestamp: ctx.eventTime,
    type: "journal",
  };
};

export const SIEM_CG_BUILDERS: Readonly<Record<string, RecordBuilder>> = {
  receipt,
  process,
  delivery,
  av,
  spam,
  "internal email protect": internalEmailProtect,
  "impersonation protect": impersonationProtect,
  "url protect": urlProtect,
  "attachment protect": attachmentProtect,
  journal,
};
