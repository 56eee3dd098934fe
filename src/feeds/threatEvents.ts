import type { MimecastClient } from "../mimecast/client";
import { ENDPOINTS } from "../mimecast/endpoints";
import type { ThreatEventPageOptions } from "../mimecast/threatEvents";
import { paginateThreatEvents, withThreatEventDetails } from "../mimecast/threatEvents";
import { jsonWindowFeed, recordSchema, strings } from "./define";
import { DAY_MS, formatMimecastTime } from "./time";

/** A window as the list's query parameters: ISO-8601 with a zone (`…+0000`, Mimecast's usual form). */
export function threatEventsRange(window: { from: number; to: number }): Record<string, string> {
  return {
    timestampRangeStartsAt: formatMimecastTime(window.from),
    timestampRangeEndsAt: formatMimecastTime(window.to),
  };
}

/**
 * Threat (detection) events (`GET /threats/v1/events`), each completed from
 * `/threats/v1/events/{id}/details` with what the list lacks (subject, recipients, files, URLs, threats).
 * `id` is the EventId; time field `timestamp`. **Unverified**: Mimecast's catalogue documents neither the
 * list's parameters nor its page token; names follow peer code (research §5) — see src/mimecast/threatEvents.ts.
 */
export const threatEventsFeed = {
  ...jsonWindowFeed({
    id: "threat-events",
    title: "Threat events",
    permission: "Security Events and Data Retrieval → Threat and security statistics → Read",
    defaultTable: "MimecastThreatEvents_CL",
    endpoint: ENDPOINTS.threatEvents,
    // What `pages` sends as query parameters (src/mimecast/threatEvents.ts); doctor and tests read it.
    filter: threatEventsRange,
    maxWindowMs: DAY_MS,
    retentionDays: 90,
    timeField: "timestamp",
    idField: "id",
    columns: [
      { name: "timestamp", type: "datetime" },
      ...strings("id", "analysis", "status", "direction", "source", "senderAddress", "senderIp", "subject"),
      { name: "recipients", type: "dynamic" },
      { name: "attachments", type: "dynamic" },
      { name: "urls", type: "dynamic" },
      { name: "threats", type: "dynamic" },
      { name: "detailsUnavailable", type: "string" },
    ],
    recordSchema: recordSchema("timestamp", { id: { type: "string" } }),
  }),
  pages: (client: MimecastClient, window: { from: number; to: number }, options: ThreatEventPageOptions) =>
    paginateThreatEvents(client, threatEventsRange(window), options),
  enrich: withThreatEventDetails,
};
