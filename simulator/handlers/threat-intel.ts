/**
 * `POST /api/ttp/threat-intel/get-feed`: one file of indicators per call (STIX bundle or pipe-delimited CSV,
 * optionally zipped), oldest first; `X-Mc-Threat-Feed-Next-Token` names the next file while more remain.
 */
import { zipSync } from "fflate";
import { Rng, hashOf } from "../core/random";
import { isInteger } from "../core/signed-token";
import { DAY_MS, formatFileStamp, parseMimecastTime } from "../core/time-format";
import type { EventPosition, SimEvent } from "../core/universe";
import type { FeedKey } from "../feeds/types";
import type { Handler } from "../http/context";
import { isEnvelopeError, readEnvelope } from "../http/json-request";
import { functionFail } from "../http/responses";

const FEED_TYPES: Readonly<Record<string, FeedKey>> = {
  malware_customer: "threat-intel-customer",
  malware_grid: "threat-intel-grid",
};

export const CSV_HEADER = "FileName|FileSize|SHA256|SendingIP|FileMimeType|Timestamp";

export const NO_RESULT = {
  code: "err_threat_intel_feed_no_result_found",
  message: "No results found for threat intel feed.",
} as const;

export const threatIntelHandler: Handler = (request, sim) => {
  const envelope = readEnvelope(request);
  if (isEnvelopeError(envelope)) return functionFail(envelope);
  const item = envelope.items[0] ?? {};
  const feedType = typeof item.feedType === "string" ? item.feedType : "malware_customer";
  const feed = FEED_TYPES[feedType];
  if (!feed)
    return functionFail(
      { code: "err_threat_intel_invalid_feed_type", message: `Unknown feedType ${feedType}.` },
      item,
    );
  const fileType = item.fileType ?? "csv";
  if (fileType !== "csv" && fileType !== "stix") {
    return functionFail(
      { code: "err_threat_intel_invalid_file_type", message: "fileType must be csv or stix." },
      item,
    );
  }
  const end = item.end === undefined ? request.now : parseMimecastTime(item.end);
  const start = item.start === undefined ? end - 7 * DAY_MS : parseMimecastTime(item.start);
  if (Number.isNaN(start) || Number.isNaN(end)) {
    return functionFail(
      { code: "err_validation_invalid_date", message: "start and end must be ISO 8601 dates." },
      item,
    );
  }

  let after: EventPosition | undefined;
  if (item.token !== undefined && item.token !== "") {
    const payload = typeof item.token === "string" ? sim.signer.decode("threat-feed", item.token) : null;
    if (!payload || payload.f !== feedType || !isInteger(payload.s) || !isInteger(payload.i)) {
      return functionFail(
        { code: "err_threat_intel_invalid_token", message: "The feed token is invalid." },
        item,
      );
    }
    after = { slot: payload.s, index: payload.i };
  }

  const stream = sim.universe.stream(feed);
  const perFile = sim.options.threatIntelIndicatorsPerFile;
  const events: SimEvent[] = [];
  let more = false;
  let last: EventPosition | undefined;
  for (const sk of sim.universe.byEventTime(stream, {
    from: start,
    to: end,
    after,
    visibleAt: request.now,
  })) {
    if (events.length === perFile) {
      more = true;
      break;
    }
    events.push(sim.universe.materialize(stream, sk));
    last = sk;
  }
  if (events.length === 0 || !last) return functionFail(NO_RESULT);

  const stamp = formatFileStamp(request.now);
  let name = `${feedType}_${fileType}_${stamp}.${fileType}`;
  let body: Buffer =
    fileType === "stix"
      ? Buffer.from(JSON.stringify(stixBundle(sim.options.seed, events)))
      : Buffer.from(csvFile(events));
  if (item.compress === true) {
    body = Buffer.from(zipSync({ [name]: new Uint8Array(body) }, { mtime: request.now }));
    name = `${feedType}_${fileType}_${stamp}.zip`;
  }
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "Content-Disposition": `attachment; filename="${name}"`,
  };
  if (more)
    headers["X-Mc-Threat-Feed-Next-Token"] = sim.signer.encode("threat-feed", {
      f: feedType,
      s: last.slot,
      i: last.index,
    });
  return { status: 200, headers, body };
};

interface ThreatIntelRecord {
  malware: Record<string, unknown>;
  indicator: Record<string, unknown>;
  relationship: Record<string, unknown>;
  csv: Record<string, string>;
}

export function stixBundle(seed: number, events: readonly SimEvent[]): Record<string, unknown> {
  const objects: unknown[] = [];
  for (const event of events) {
    const record = event.record as unknown as ThreatIntelRecord;
    objects.push(record.malware, record.indicator, record.relationship);
  }
  const id = new Rng(hashOf(seed, "stix-bundle", events[0]?.key ?? "")).uuid();
  return { type: "bundle", id: `bundle--${id}`, objects };
}

export function csvRow(record: Record<string, string>): string {
  const fileName = record.FileName ?? "";
  const cells = [
    fileName.includes("|") ? `"${fileName}"` : fileName,
    record.FileSize,
    record.SHA256,
    record.SendingIP,
    record.FileMimeType,
    record.Timestamp,
  ];
  return cells.join("|");
}

function csvFile(events: readonly SimEvent[]): string {
  const rows = events.map((event) => csvRow((event.record as unknown as ThreatIntelRecord).csv));
  return `${CSV_HEADER}\n${rows.join("\n")}\n`;
}
