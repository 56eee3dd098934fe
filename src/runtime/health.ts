import { CONNECTOR_HEALTH_STREAM } from "../ingest/streams";
import { uploadOrdered } from "../ingest/segment";
import type { CycleReport } from "../orchestrators/supervisor";
import type { Sink } from "../sentinel/sink";
import type { SentinelRow } from "../sentinel/streams";
import type { SecretRedactor } from "../shared/logger";
import { globalRedactor } from "../shared/logger";

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/** One MimecastConnectorHealth_CL row per cursor per cycle: what the "stalled or lagging" rule reads. */
export function healthRows(
  instanceId: string,
  report: CycleReport,
  redactor: SecretRedactor = globalRedactor,
): SentinelRow[] {
  return report.cursors.map((c) => {
    const row: SentinelRow = {
      TimeGenerated: iso(report.finishedAt),
      InstanceId: instanceId,
      Cycle: report.cycle,
      Feed: c.feedId,
      Cursor: c.key,
      Status: c.status,
      BacklogWindows: c.backlogWindows,
      EventsIngested: c.eventsLastCycle,
      EventsTotal: c.eventsTotal,
      DeadLettered: c.deadLettered,
      Ambiguous: c.ambiguous,
    };
    if (c.watermark !== undefined) row["Watermark"] = iso(c.watermark);
    if (c.lagSeconds !== undefined) row["LagSeconds"] = c.lagSeconds;
    if (c.rateLimitedUntil !== undefined) row["RateLimitedUntil"] = iso(c.rateLimitedUntil);
    // Errors can quote what a broken endpoint echoed (a secret, a token): never into the table.
    if (c.lastError !== undefined) row["LastError"] = redactor.redact(c.lastError);
    if (c.lastErrorAt !== undefined) row["LastErrorAt"] = iso(c.lastErrorAt);
    if (c.siemPath !== undefined) {
      row["SiemPath"] = c.siemPath.owner;
      row["SiemPathReason"] = redactor.redact(c.siemPath.why);
      if (c.siemPath.since !== undefined) row["SiemPathSince"] = iso(c.siemPath.since);
    }
    return row;
  });
}

/** Health rows are best effort: losing one cycle's row must never fail the cycle. */
export async function writeHealthRows(
  sink: Sink,
  instanceId: string,
  report: CycleReport,
): Promise<{ written: number; error?: string }> {
  const rows = healthRows(instanceId, report);
  const sent = await uploadOrdered(sink, CONNECTOR_HEALTH_STREAM, rows);
  return { written: sent.accepted, ...(sent.failure ? { error: sent.failure.message } : {}) };
}
