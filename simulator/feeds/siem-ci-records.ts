/**
 * Cloud Integrated SIEM batch lines (`entities`, `mailflow`, `urlclick`), shaped like Elastic's CI fixtures,
 * keys in alphabetical order like the real lines.
 */
import { ACCOUNT_CODE, attachment, externalIp, url } from "./identities";
import { offsetOf, partitionOf } from "./record-helpers";
import type { RecordBuilder } from "./types";

const entities: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const threat = rng.weighted([
    ["NO_DETECTIONS", 85],
    ["MALWARE", 5],
    ["PHISHING", 6],
    ["SPAM", 4],
  ] as const);
  const clean = threat === "NO_DETECTIONS";
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    attachments: rng.chance(0.3) ? [attachment(rng).fileName] : [],
    direction: m.direction.toUpperCase(),
    historicalMail: false,
    messageId: m.messageId,
    policiesApplied: [
      { action: clean ? "DO_NOTHING" : "BLOCK", mode: "ACTIVE", name: "Default O365 Mail policy" },
    ],
    processingId: m.processingId,
    recipients: [m.recipient],
    senderEnvelope: m.sender,
    senderHeader: m.sender,
    senderIp: m.senderIp,
    source: "OFFICE_365_MAIL",
    subject: m.subject,
    subtype: threat,
    tags: clean ? null : [threat],
    threatState: clean ? "DELIVERY_IN_PROGRESS" : "BLOCKED",
    threatType: threat,
    timestamp: ctx.eventTime,
    type: "entities",
  };
};

const mailflow: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const result = (): string =>
    rng.weighted([
      ["pass", 85],
      ["fail", 10],
      ["none", 5],
    ] as const);
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    aggregateId: m.aggregateId,
    authResults: [
      { aligned: rng.chance(0.8), result: result(), type: "SPF" },
      { aligned: rng.chance(0.5), result: result(), type: "DKIM" },
      { aligned: null, result: result(), type: "DMARC" },
    ],
    messageId: m.messageId,
    processingId: m.processingId,
    subtype: null,
    timestamp: ctx.eventTime,
    type: "mailflow",
  };
};

const urlclick: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const malicious = rng.chance(0.2);
  return {
    _offset: offsetOf(ctx),
    _partition: partitionOf(ctx),
    accountId: ACCOUNT_CODE,
    action: malicious ? "BLOCK" : "ALLOW",
    aggregateId: m.aggregateId,
    messageId: m.messageId,
    originalUrl: url(rng, malicious),
    processingId: m.processingId,
    recipients: [m.recipient],
    redirectUrl: `https://protect.sim-gateway.example/s/${rng.base64url(24)}`,
    sourceIp: externalIp(rng),
    subtype: malicious ? "BLOCKED" : "ALLOWED",
    threatType: malicious ? "PHISHING" : "NO_DETECTIONS",
    timestamp: ctx.eventTime,
    type: "urlclick",
  };
};

export const SIEM_CI_BUILDERS: Readonly<Record<string, RecordBuilder>> = { entities, mailflow, urlclick };
