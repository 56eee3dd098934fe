/**
 * Records of the JSON (POST) log endpoints. Shapes follow the Elastic pipeline fixtures and the Sentinel
 * table columns (research A.4.4–A.4.11, sentinel §6.3); times use Mimecast's `…+0000` format.
 */
import { formatMimecastTime } from "../core/time-format";
import {
  INTERNAL_DOMAIN,
  LOOKALIKE_DOMAINS,
  URL_CATEGORIES,
  attachment,
  externalIp,
  internalPerson,
  url,
} from "./identities";
import type { RecordBuilder } from "./types";

export const dlpRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  return {
    senderAddress: m.sender,
    recipientAddress: m.recipient,
    subject: m.subject,
    eventTime: formatMimecastTime(ctx.eventTime),
    route: m.direction.toLowerCase(),
    policy: rng.pick([
      "Confidential",
      "Content Inspection - Watermark",
      "PCI Data",
      "Outbound Large Attachments",
    ]),
    action: rng.pick(["hold", "notification", "block", "smart_folder"]),
    messageId: m.messageId,
  };
};

const MALICIOUS_URL_CATEGORIES = ["Phishing & Fraud", "Compromised", "Dangerous file extension", "Malware"];
export const CLEAN_URL_CATEGORIES = URL_CATEGORIES.filter((c) => !MALICIOUS_URL_CATEGORIES.includes(c));

export const ttpUrlRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const malicious = rng.chance(0.3);
  const target = url(rng, malicious);
  // The category agrees with the verdict: a clean, allowed URL is never "Malware" (an analyst would stop).
  const category = malicious ? rng.pick(MALICIOUS_URL_CATEGORIES) : rng.pick(CLEAN_URL_CATEGORIES);
  return {
    userEmailAddress: m.direction === "Outbound" ? m.sender : m.recipient,
    fromUserEmailAddress: m.sender,
    url: target,
    ttpDefinition:
      m.direction === "Internal"
        ? "Default Internal URL Protect Definition"
        : "Default Inbound URL Protect Definition",
    subject: m.subject,
    action: malicious ? rng.pick(["block", "warn"]) : "allow",
    adminOverride: "N/A",
    userOverride: "None",
    scanResult: malicious ? "malicious" : "clean",
    category,
    sendingIp: m.direction === "Internal" ? "Internal IP" : m.senderIp,
    userAwarenessAction: malicious ? "N/A" : "Continue",
    date: formatMimecastTime(ctx.eventTime),
    actions: malicious ? "Block" : "Allow",
    route: m.direction.toLowerCase(),
    creationMethod: rng.pick(["User Click", "Entry Scan"]),
    emailPartsDescription: [rng.pick(["Body", "Attachment"])],
    messageId: m.messageId,
    ...(malicious
      ? {
          tagMap: {
            UrlReputationScan: {
              Status: ["CustomerAll", "VerdictBlock"],
              Type: [category],
              Url: [target],
            },
          },
        }
      : {}),
  };
};

export const ttpAttachmentRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const file = attachment(rng);
  const result = rng.weighted([
    ["safe", 80],
    ["malicious", 15],
    ["timeout", 5],
  ] as const);
  return {
    senderAddress: rng.chance(0.2) ? "<>" : m.sender,
    recipientAddress: m.recipient,
    fileName: file.fileName,
    fileType: file.mimeType,
    result,
    actionTriggered: result === "malicious" ? "block" : "user release, none",
    date: formatMimecastTime(ctx.eventTime),
    details: `${result === "safe" ? "Safe" : "Malicious"}\r\nTime taken: 0 hrs, 0 min, ${rng.int(2, 40)} sec`,
    route: m.direction.toLowerCase(),
    messageId: m.messageId,
    subject: m.subject,
    fileHash: rng.hex(64),
    definition: "Inbound - Safe file with On-Demand Sandbox",
  };
};

const IMPERSONATION_IDENTIFIERS = [
  "internal_user_name",
  "newly_observed_domain",
  "reply_address_mismatch",
  "targeted_threat_dictionary",
  "similar_internal_domain",
] as const;

export const ttpImpersonationRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const hits = rng.int(1, 3);
  const identifiers = [...new Set(Array.from({ length: hits }, () => rng.pick(IMPERSONATION_IDENTIFIERS)))];
  const impostor = internalPerson(rng);
  const hold = hits > 1;
  return {
    id: `MTOKEN:eNq${rng.base64url(88)}`,
    senderAddress: m.sender,
    recipientAddress: m.recipient,
    subject: m.subject,
    definition: hold ? `IP - ${hits} hits (Hold for Review / User Hold)` : "IP - 1 hit (Tag email)",
    hits,
    identifiers,
    action: hold ? "hold" : "none",
    taggedExternal: m.direction === "Inbound",
    taggedMalicious: rng.chance(0.7),
    senderIpAddress: m.senderIp,
    eventTime: formatMimecastTime(ctx.eventTime),
    impersonationResults: identifiers.map((source) => ({
      impersonationDomainSource: source,
      similarDomain:
        source === "internal_user_name"
          ? `${impostor.name} <${impostor.email}>`
          : rng.pick(LOOKALIKE_DOMAINS),
      stringSimilarToDomain: source === "internal_user_name" ? impostor.name : INTERNAL_DOMAIN,
      checkerResult: "hit",
    })),
    messageId: m.messageId,
  };
};

const AUDIT_TEMPLATES: ReadonlyArray<readonly [string, string, string]> = [
  ["User Logged On", "authentication_logs", "Successful authentication for {user}"],
  [
    "Logon Authentication Failed",
    "authentication_logs",
    "Failed authentication for {user}, Reason: Wrong password",
  ],
  ["API Application Updated", "account_logs", "API application updated by {user}"],
  ["Search Action", "case_review_logs", "Executed Search - Source: Search"],
  ["Message Action", "case_review_logs", "Viewed Message - Source: Search"],
  ["Threat Intel Feed Download", "reporting_logs", "Threat intel multiple feeds download"],
  ["Policy Changed", "policy_logs", "Policy definition updated by {user}"],
  ["User Password Changed", "user_account_and_role_logs", "Password reset for user: {user}"],
];

export const auditRecord: RecordBuilder = (ctx) => {
  const { rng } = ctx;
  const person = internalPerson(rng);
  const [auditType, category, info] = rng.pick(AUDIT_TEMPLATES);
  const when = formatMimecastTime(ctx.eventTime);
  return {
    id: `eNq${rng.base64url(120)}`,
    auditType,
    user: person.email,
    eventTime: when,
    eventInfo:
      `${info.replace("{user}", `${person.email} <${person.name}>`)}, Date: ${when.slice(0, 10)}, ` +
      `Time: ${when.slice(11)}, IP: ${externalIp(rng)}, Application: ${rng.pick(["Administration Console", "Integrations", "mimecast-case-review"])}`,
    category,
  };
};

export const messageReleaseRecord: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const released = rng.chance(0.8);
  const operator = internalPerson(rng);
  return {
    attachments: rng.chance(0.3),
    detectionLevel: rng.pick(["relaxed", "moderate", "aggressive"]),
    fromEnv: { displayableName: m.senderName, emailAddress: m.sender },
    fromHdr: { displayableName: m.senderName, emailAddress: m.sender },
    heldGroup: rng.pick(["IT Staff Global", "Finance Approvers", "All Users"]),
    heldReason: rng.pick(["High-Confidence Impersonation Protection", "Spam Detection", "Attachment Block"]),
    id: `eNpV${rng.base64url(64)}`,
    messageInfo: released ? "Released by administrator" : "Expired in queue - rejected by housekeeping",
    operator: { emailAddress: operator.email },
    policy: rng.pick(["Moderate Spam Detection", "Default Impersonation Policy"]),
    rejectReason: released ? null : "Message contains undesirable content",
    released: formatMimecastTime(ctx.eventTime),
    route: m.direction.toLowerCase(),
    size: rng.int(2_000, 90_000),
    spamProcessingDetail: {
      dkim: { allow: true, info: "allow" },
      dmarc: { allow: true, info: "allow" },
      greyEmail: rng.chance(0.3),
      managedSender: { allow: true, info: "allow" },
      permittedSender: { allow: true, info: "allow" },
      rbl: { allow: true, info: "allow" },
      spf: { allow: true, info: "allow" },
      verdict: {
        categories: [],
        decision: rng.pick(["spam", "clean"]),
        risk: rng.pick(["low", "medium", "high"]),
      },
    },
    spamScore: rng.int(0, 30),
    status: released ? "released" : "rejected",
    subject: m.subject,
    to: [{ displayableName: "", emailAddress: m.recipient }],
  };
};

export const archiveSearchRecord: RecordBuilder = (ctx) => {
  const { rng } = ctx;
  const person = internalPerson(rng);
  return {
    createTime: formatMimecastTime(ctx.eventTime),
    emailAddr: person.email,
    source: rng.pick(["archive", "archive", "case_review"]),
    searchText: rng.pick([
      "",
      "[Route : outbound]",
      `${person.email}`,
      `<${rng.hex(16)}@hapi.example>`,
      "invoice",
    ]),
    searchReason: rng.chance(0.2) ? "investigation" : "",
    description: rng.pick([
      "Message Tracking Search",
      "Audit [Page 1] - Depth 100",
      "Threat Remediation search",
    ]),
    isAdmin: rng.chance(0.7),
  };
};

export const threatIntelRecord: RecordBuilder = (ctx) => {
  const { rng } = ctx;
  const file = attachment(rng);
  const sha256 = rng.hex(64);
  const created = ctx.eventTime;
  const malwareId = `malware--${rng.uuid()}`;
  const indicatorId = `indicator--${rng.uuid()}`;
  const relationshipId = `relationship--${rng.uuid()}`;
  const stixTime = `${new Date(created).toISOString().slice(0, 16)}Z`;
  // Rarely a file name holds the CSV delimiter: Sentinel's code has to cope with that (sentinel §4).
  const fileName = rng.chance(0.02) ? `quote|${file.fileName}` : file.fileName;
  return {
    malware: {
      type: "malware",
      spec_version: "2.1",
      id: malwareId,
      created: stixTime,
      modified: stixTime,
      name: fileName,
      labels: ["virus"],
      is_family: false,
    },
    indicator: {
      type: "indicator",
      spec_version: "2.1",
      id: indicatorId,
      created: stixTime,
      modified: stixTime,
      labels: ["malicious-activity"],
      pattern: `[file:hashes.'SHA-256' = '${sha256}']`,
      pattern_type: "stix",
      valid_from: stixTime,
    },
    relationship: {
      type: "relationship",
      spec_version: "2.1",
      id: relationshipId,
      created: stixTime,
      modified: stixTime,
      relationship_type: "indicates",
      source_ref: indicatorId,
      target_ref: malwareId,
    },
    csv: {
      FileName: fileName,
      FileSize: String(file.size),
      SHA256: sha256,
      SendingIP: externalIp(rng),
      FileMimeType: file.mimeType,
      Timestamp: formatMimecastTime(created),
    },
  };
};
