/** Which record builder and default volume each feed uses. */
import {
  archiveSearchRecord,
  auditRecord,
  dlpRecord,
  messageReleaseRecord,
  threatIntelRecord,
  ttpAttachmentRecord,
  ttpImpersonationRecord,
  ttpUrlRecord,
} from "./json-feed-records";
import {
  archiveViewLogRecord,
  rejectionRecord,
  remediationIncidentRecord,
  threatEventRecord,
} from "./newer-log-records";
import { SIEM_CG_BUILDERS } from "./siem-cg-records";
import { SIEM_CI_BUILDERS } from "./siem-ci-records";
import { SIEM_V1_BUILDERS } from "./siem-v1-records";
import type { FeedDefinition, FeedKey, RecordBuilder } from "./types";
import { SIEM_CG_TYPES, SIEM_CI_TYPES, SIEM_V1_TYPES } from "./types";

/** "~2,000 events/day per SIEM type and ~200/day per JSON feed" (brief). */
export const DEFAULT_SIEM_EVENTS_PER_DAY = 2000;
export const DEFAULT_JSON_EVENTS_PER_DAY = 200;

function multiType(
  key: FeedKey,
  types: readonly string[],
  builders: Readonly<Record<string, RecordBuilder>>,
): FeedDefinition {
  return {
    key,
    types,
    defaultEventsPerDay: DEFAULT_SIEM_EVENTS_PER_DAY,
    build: (type, ctx) => {
      const builder = builders[type];
      if (!builder) throw new Error(`no record builder for ${key} type "${type}"`);
      return builder(ctx);
    },
  };
}

function singleType(key: FeedKey, builder: RecordBuilder): FeedDefinition {
  return {
    key,
    types: [""],
    defaultEventsPerDay: DEFAULT_JSON_EVENTS_PER_DAY,
    build: (_type, ctx) => builder(ctx),
  };
}

export const FEEDS: Readonly<Record<FeedKey, FeedDefinition>> = {
  "siem-cg": multiType("siem-cg", SIEM_CG_TYPES, SIEM_CG_BUILDERS),
  "siem-ci": multiType("siem-ci", SIEM_CI_TYPES, SIEM_CI_BUILDERS),
  "siem-v1": multiType("siem-v1", SIEM_V1_TYPES, SIEM_V1_BUILDERS),
  dlp: singleType("dlp", dlpRecord),
  "ttp-url": singleType("ttp-url", ttpUrlRecord),
  "ttp-attachment": singleType("ttp-attachment", ttpAttachmentRecord),
  "ttp-impersonation": singleType("ttp-impersonation", ttpImpersonationRecord),
  audit: singleType("audit", auditRecord),
  "message-release": singleType("message-release", messageReleaseRecord),
  "archive-search": singleType("archive-search", archiveSearchRecord),
  "threat-intel-customer": singleType("threat-intel-customer", threatIntelRecord),
  "threat-intel-grid": singleType("threat-intel-grid", threatIntelRecord),
  rejections: singleType("rejections", rejectionRecord),
  "archive-view-logs": singleType("archive-view-logs", archiveViewLogRecord),
  "remediation-incidents": singleType("remediation-incidents", remediationIncidentRecord),
  "threat-events": singleType("threat-events", threatEventRecord),
};
