/**
 * Records of the newer Mimecast logs: rejections, archive view logs, remediation incidents and threat
 * events. Shapes follow research §5–§8 (Mimecast's V2 example output and API 1.0 pages; threat events from
 * peer code, unverified). Times use Mimecast's `…+0000` format, threat events ISO-8601 with a zone.
 *
 * The ids of remediation incidents and threat events encode the event's position (`slot`, `index`), so
 * the details endpoints (`get-incident`, `/threats/v1/events/{id}/details`) can rebuild the same record.
 */
import { formatMimecastTime } from "../core/time-format";
import {
  INTERNAL_DOMAIN,
  LOOKALIKE_DOMAINS,
  attachment,
  externalAddress,
  externalIp,
  internalPerson,
  url,
} from "./identities";
import type { RecordBuilder } from "./types";

const REJECTIONS = [
  { type: 1, description: "Envelope Rejected", info: "Sender address is on the blocked senders list" },
  { type: 2, description: "Spam Signature", info: "Message matched a spam signature (IP reputation)" },
  { type: 3, description: "Virus Detected", info: "Anti-Virus signature detected: Win.Trojan.Agent" },
  { type: 4, description: "Invalid Recipient", info: "Recipient address rejected: user unknown" },
  { type: 5, description: "DMARC Policy", info: "DMARC policy of sender domain is reject" },
] as const;

export const rejectionRecord: RecordBuilder = (ctx) => {
  const { rng } = ctx;
  const reason = rng.pick(REJECTIONS);
  const recipient = internalPerson(rng).email;
  // A few senders (one /24) reject in bursts, as a spam run does: the "burst of rejections" rule's case.
  const burst = rng.chance(0.25);
  const ipAddress = burst ? `203.0.113.${rng.int(10, 12)}` : externalIp(rng);
  return {
    id: `rej-${ctx.slot.toString(36)}-${ctx.index.toString(36)}-${rng.alnum(6)}`,
    created: formatMimecastTime(ctx.eventTime),
    description: reason.description,
    detectionLevel: rng.pick(["relaxed", "moderate", "aggressive", ""]),
    fromAddress: burst ? `billing@${rng.pick(LOOKALIKE_DOMAINS)}` : externalAddress(rng),
    toAddress: recipient,
    toAddressPreCheck: recipient,
    toAddressPostCheck: reason.type === 4 ? "" : recipient,
    info: reason.info,
    ipAddress,
    remoteEhlo: `mail${rng.int(1, 9)}.sender.example`,
    remoteName: rng.chance(0.5) ? `mx${rng.int(1, 4)}.sender.example` : "Unknown",
    manageRecipient: rng.chance(0.1),
    spamScore: reason.type === 2 ? rng.int(10, 30) : rng.int(0, 9),
    type: reason.type,
  };
};

export const archiveViewLogRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const viewer = internalPerson(rng);
  return {
    viewer: viewer.email,
    from: m.sender,
    to: m.recipient,
    subject: m.subject,
    source: rng.pick(["Message Tracking", "Archive Search", "Case Review", "Mobile"]),
    contentViewed: rng.chance(0.8),
    discoveryCase: rng.chance(0.1),
    messageDate: formatMimecastTime(ctx.eventTime - rng.int(1, 30) * 86_400_000),
    viewed: formatMimecastTime(ctx.eventTime),
  };
};

/** `rem-<slot>-<index>` in base 36: get-incident rebuilds the incident from it. */
export const remediationIncidentId = (slot: number, index: number): string =>
  `rem-${slot.toString(36)}-${index.toString(36)}`;

export const remediationIncidentRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const type = rng.pick(["automatic", "manual", "notify_only"]);
  const identified = rng.int(1, 40);
  const successful = type === "notify_only" ? 0 : rng.int(0, identified);
  const restored = rng.chance(0.1) ? rng.int(0, successful) : 0;
  const code = `TR-${rng.alnum(4).toUpperCase()}-${String(rng.int(1, 99999)).padStart(5, "0")}-${type === "manual" ? "M" : "A"}`;
  return {
    id: remediationIncidentId(ctx.slot, ctx.index),
    code,
    type,
    reason: rng.pick([
      "Malicious URL reported by user",
      "Malware detected after delivery",
      "Phishing campaign",
    ]),
    create: formatMimecastTime(ctx.eventTime),
    modified: formatMimecastTime(ctx.eventTime + rng.int(0, 600) * 1000),
    identified,
    successful,
    failed: identified - successful,
    restored,
    searchCriteria: {
      from: m.sender,
      to: m.recipient,
      messageId: m.messageId,
      fileHash: rng.chance(0.4) ? rng.hex(64) : "",
      start: formatMimecastTime(ctx.eventTime - 86_400_000),
      end: formatMimecastTime(ctx.eventTime),
    },
  };
};

/** The fields only `get-incident` returns in the simulator (the list omits them, as a thin list would). */
export const REMEDIATION_DETAIL_FIELDS = ["searchCriteria"] as const;

/** `te-<slot>-<index>` in base 36 (matches `^[A-Za-z0-9_-]+$`): the details endpoint rebuilds the event. */
export const threatEventId = (slot: number, index: number): string =>
  `te-${slot.toString(36)}-${index.toString(36)}`;

export function parseSimId(prefix: string, id: string): { slot: number; index: number } | undefined {
  const match = new RegExp(`^${prefix}-([0-9a-z]+)-([0-9a-z]+)$`).exec(id);
  if (!match?.[1] || !match[2]) return undefined;
  return { slot: parseInt(match[1], 36), index: parseInt(match[2], 36) };
}

/** Fields the threat-events list leaves to `/threats/v1/events/{id}/details`. */
export const THREAT_EVENT_DETAIL_FIELDS = [
  "subject",
  "recipients",
  "attachments",
  "urls",
  "threats",
] as const;

export const threatEventRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const analysis = rng.pick(["malware", "phishing", "phishing", "spam", "suspicious", "unwanted"]);
  const status = rng.pick(["blocked", "blocked", "rejected", "held", "delivered"]);
  const files = analysis === "malware" ? [attachment(rng)] : [];
  const links = analysis === "phishing" || analysis === "suspicious" ? [url(rng, true)] : [];
  const source = links.length > 0 && rng.chance(0.3) ? "url" : "email";
  const event = {
    id: threatEventId(ctx.slot, ctx.index),
    timestamp: new Date(ctx.eventTime).toISOString(),
    analysis,
    status,
    direction: "inbound",
    source,
    senderAddress: m.direction === "Inbound" ? m.sender : externalAddress(rng),
    senderIp: externalIp(rng),
  };
  // Details exist for email detections only (`source` must be EMAIL on the details endpoint); a URL
  // detection is the list record alone.
  if (source === "url") return { ...event, urls: links.map((link) => ({ url: link })) };
  return {
    ...event,
    subject: m.subject,
    recipients: [m.recipient.endsWith(INTERNAL_DOMAIN) ? m.recipient : internalPerson(rng).email],
    attachments: files.map((f) => ({ name: f.fileName, type: f.mimeType, size: f.size })),
    urls: links.map((link) => ({ url: link })),
    threats: [{ type: analysis }],
  };
};
