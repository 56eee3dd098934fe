import type { MimecastClient } from "../mimecast/client";
import { ENDPOINTS } from "../mimecast/endpoints";
import { isRecord } from "../mimecast/responses";
import { jsonWindowFeed, recordSchema, startEndFilter, strings } from "./define";
import { ownIdEventId } from "./eventId";
import { DAY_MS } from "./time";

type Rec = Record<string, unknown>;

/** A scalar as text ("" for anything else), so an odd `modified` can never become "[object Object]". */
const textOf = (value: unknown): string =>
  typeof value === "string" || typeof value === "number" ? String(value) : "";

/**
 * Threat remediation incidents (`POST /api/ttp/remediation/find-incidents`, `data[0].incidents`), windowed
 * by creation time (`create`). An incident's counts (`identified`, `successful`, `failed`, `restored`)
 * change while remediation runs, so the EventId is the incident id *and* its `modified` time: a re-read
 * that finds it modified (the late-event sweeps re-read recent windows) adds a row with the new state
 * instead of being taken for a duplicate; parsers take the latest row per `id`. A list record without
 * its `searchCriteria` is completed from `get-incident`.
 */
export const remediationIncidentsFeed = {
  ...jsonWindowFeed({
    id: "remediation-incidents",
    title: "Threat remediation incidents",
    permission: "Services → Threat Remediation → Read",
    defaultTable: "MimecastRemediationIncidents_CL",
    endpoint: ENDPOINTS.remediationIncidents,
    filter: startEndFilter,
    maxWindowMs: DAY_MS,
    retentionDays: 90,
    timeField: "create",
    idField: "id",
    columns: [
      { name: "create", type: "datetime" },
      { name: "modified", type: "datetime" },
      ...strings("id", "code", "type", "reason"),
      { name: "identified", type: "int" },
      { name: "successful", type: "int" },
      { name: "failed", type: "int" },
      { name: "restored", type: "int" },
      { name: "searchCriteria", type: "dynamic" },
    ],
    recordSchema: recordSchema("create", { id: { type: "string" } }, ["id"]),
  }),
  eventId: (record: Readonly<Rec>): string =>
    ownIdEventId("remediation-incidents", `${textOf(record["id"])}@${textOf(record["modified"])}`),
  enrich: async (client: MimecastClient, record: Rec): Promise<Rec> => {
    if (record["searchCriteria"] !== undefined || typeof record["id"] !== "string") return record;
    const envelope = await client.postJson(
      ENDPOINTS.remediationIncident.path,
      ENDPOINTS.remediationIncident.family,
      {
        data: [{ id: record["id"] }],
      },
    );
    const data: unknown = envelope.data;
    const found: unknown = Array.isArray(data)
      ? data.find((d: unknown) => isRecord(d) && d["id"] === record["id"])
      : undefined;
    return isRecord(found) ? { ...found, ...record, searchCriteria: found["searchCriteria"] } : record;
  },
};
