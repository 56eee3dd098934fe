import { allDcrs } from "../config/dcrRoutes";
import type { Config, LogsIngestionSinkConfig } from "../config/types";
import { CONNECTOR_HEALTH_STREAM } from "../ingest/streams";
import type { Sink } from "../sentinel/sink";
import type { SentinelRow } from "../sentinel/streams";
import type { DoctorCheck } from "./types";

/** The probe row's Status: queries and rules over MimecastConnectorHealth_CL can filter it out. */
export const PROBE_STATUS = "doctor-probe";

/**
 * The probe row. The SDK refuses an upload of zero rows, so proving that the stream exists and that the
 * identity may publish costs one row; it goes only to the connector's own health table, clearly marked.
 */
export function probeRow(now: number): SentinelRow {
  return {
    TimeGenerated: new Date(now).toISOString(),
    InstanceId: "doctor",
    Cycle: 0,
    Feed: "doctor",
    Cursor: "doctor",
    Status: PROBE_STATUS,
  };
}

/**
 * Sends the probe row through every DCR the app sends to (the default one and each MIMECAST_DCR_ROUTES
 * target: every DCR the template builds also declares the health stream, so each can be probed without
 * writing to a data table) and explains a refusal, per DCR.
 */
export async function probeSinks(
  config: Config,
  sinkFor: (ruleId: string) => Sink,
  now: number,
): Promise<DoctorCheck[]> {
  const target = config.sink;
  if (target.kind === "local") return [await probeSink(config, sinkFor(""), now)];
  const checks: DoctorCheck[] = [];
  for (const ruleId of allDcrs(target)) {
    const tables = Object.entries(target.dcrRoutes)
      .filter(([, id]) => id === ruleId)
      .map(([table]) => table);
    checks.push(await probeSink(config, sinkFor(ruleId), now, { ruleId, tables }));
  }
  return checks;
}

/** Sends the probe row through one sink (by default the configured DCR) and explains a refusal. */
export async function probeSink(
  config: Config,
  sink: Sink,
  now: number,
  rule?: { ruleId: string; tables: readonly string[] },
): Promise<DoctorCheck> {
  const configured = config.sink;
  if (configured.kind === "local") {
    return {
      name: "sink",
      status: "ok",
      detail: `local NDJSON files in ${configured.directory} (nothing is sent to Microsoft Sentinel)`,
    };
  }
  const ruleId = rule?.ruleId ?? configured.dcrImmutableId;
  const target = { ...configured, dcrImmutableId: ruleId };
  const isDefault = ruleId === configured.dcrImmutableId;
  const stream = CONNECTOR_HEALTH_STREAM.streamName;
  const name = isDefault ? "sentinel dcr" : `sentinel dcr ${ruleId}`;
  const routed = rule && rule.tables.length > 0 ? ` (routes ${rule.tables.join(", ")})` : "";
  let outcome;
  try {
    outcome = await sink.upload(CONNECTOR_HEALTH_STREAM, [probeRow(now)]);
  } catch (error) {
    return {
      name,
      status: "fail",
      detail: `the probe upload threw: ${error instanceof Error ? error.message : String(error)}${routed}`,
    };
  }
  const failure = outcome.failed[0];
  if (!failure) {
    return {
      name,
      status: "ok",
      detail: `${stream} accepted a probe row (Status "${PROBE_STATUS}") at ${target.dceEndpoint}: the stream exists and the identity may publish${routed}`,
    };
  }
  const found = explain(failure.code, failure.status, failure.message, target);
  return {
    name,
    status: "fail",
    ...found,
    detail: `${found.detail} (probe row to ${stream}${routed ? `;${routed.slice(1, -1)}` : ""})`,
  };
}

function explain(
  code: string,
  status: number | undefined,
  message: string,
  target: LogsIngestionSinkConfig,
): { detail: string; fix?: string } {
  const http = status !== undefined ? `HTTP ${status}: ` : "";
  switch (code) {
    case "forbidden":
      return {
        detail: `${http}the identity lacks Monitoring Metrics Publisher on the DCR ${target.dcrImmutableId}`,
        fix: `Assign the app's managed identity the "Monitoring Metrics Publisher" role on the DCR (role assignments take a few minutes to apply); check MIMECAST_LOGS_INGESTION_AUDIENCE matches the cloud (${target.audience})`,
      };
    case "not-found":
      return {
        detail: `${http}stream not in the DCR / wrong DCR immutable id (${target.dcrImmutableId} at ${target.dceEndpoint})`,
        fix: "Check MIMECAST_DCR_IMMUTABLE_ID and MIMECAST_DCR_ROUTES (each DCR's immutableId, dcr-…, not its resource id), MIMECAST_DCE_ENDPOINT, and that the deployed DCRs declare the connector's streams (redeploy the template)",
      };
    case "credential":
      return {
        detail: message,
        fix: "Enable the Function App's managed identity, or set AZURE_CLIENT_ID to a user-assigned identity's client id",
      };
    case "network":
      return { detail: message, fix: "Check MIMECAST_DCE_ENDPOINT and the app's outbound network access" };
    default:
      return { detail: message };
  }
}
