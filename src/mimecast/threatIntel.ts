import type { MimecastClient } from "./client";
import { THREAT_INTEL_FAMILY, THREAT_INTEL_NO_RESULT_CODE, THREAT_INTEL_PATH } from "./endpoints";
import { MimecastBadResponseError } from "./errors";
import { isRecord } from "./responses";

export type ThreatFeedType = "malware_customer" | "malware_grid";
export type ThreatFileType = "stix" | "csv";

export interface ThreatIntelRequest {
  feedType: ThreatFeedType;
  fileType: ThreatFileType;
  /** ISO 8601 window (Mimecast's default is the last 7 days). */
  start: string;
  end: string;
  /** Id of the previous file (from `X-Mc-Threat-Feed-Next-Token`). */
  token?: string;
}

export type ThreatIntelResult =
  | { kind: "empty" }
  | {
      kind: "stix";
      /** STIX 2.x objects of the bundle (indicators and whatever else Mimecast includes). */
      objects: Record<string, unknown>[];
      nextToken?: string;
    }
  | { kind: "csv"; rows: Record<string, string>[]; nextToken?: string };

/**
 * `POST /api/ttp/threat-intel/get-feed`. An empty window arrives as a `fail` entry with
 * `err_threat_intel_feed_no_result_found` (Elastic PR #12937): that is zero indicators, not an error.
 */
export async function fetchThreatIntelFeed(
  client: MimecastClient,
  request: ThreatIntelRequest,
): Promise<ThreatIntelResult> {
  const response = await client.request({
    method: "POST",
    path: THREAT_INTEL_PATH,
    family: THREAT_INTEL_FAMILY,
    body: {
      data: [
        {
          feedType: request.feedType,
          fileType: request.fileType,
          start: request.start,
          end: request.end,
          compress: false,
          ...(request.token ? { token: request.token } : {}),
        },
      ],
    },
  });
  const nextToken = response.headers["x-mc-threat-feed-next-token"];
  const withNext = nextToken ? { nextToken } : {};
  const text = response.body.toString("utf8");
  const looksJson = /^\s*[{[]/.test(text);
  if (looksJson) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new MimecastBadResponseError(
        `${THREAT_INTEL_PATH}: body looks like JSON but does not parse`,
        THREAT_INTEL_PATH,
      );
    }
    if (isRecord(parsed) && Array.isArray(parsed["objects"])) {
      const objects = parsed["objects"].filter(isRecord);
      return { kind: "stix", objects, ...withNext };
    }
    const envelope = client.parseEnvelope(THREAT_INTEL_PATH, response, [THREAT_INTEL_NO_RESULT_CODE]);
    if (envelope.acceptedFailure || (Array.isArray(envelope.data) && envelope.data.length === 0))
      return { kind: "empty" };
    throw new MimecastBadResponseError(
      `${THREAT_INTEL_PATH}: JSON body is neither a STIX bundle nor empty`,
      THREAT_INTEL_PATH,
    );
  }
  if (request.fileType === "stix") {
    throw new MimecastBadResponseError(
      `${THREAT_INTEL_PATH}: asked for STIX but got non-JSON content`,
      THREAT_INTEL_PATH,
    );
  }
  return { kind: "csv", rows: parsePipeCsv(text), ...withNext };
}

/** Mimecast's CSV feed is pipe-delimited with a header row; fields may be double-quoted. */
export function parsePipeCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = lines.shift();
  if (!header) return [];
  const columns = splitPipeLine(header);
  return lines.map((line) => {
    const values = splitPipeLine(line);
    const row: Record<string, string> = {};
    columns.forEach((c, i) => (row[c] = values[i] ?? ""));
    return row;
  });
}

function splitPipeLine(line: string): string[] {
  const out: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const ch = line[i];
    if (ch === '"') {
      if (quoted && line[i + 1] === '"') {
        current += '"';
        i += 1;
      } else quoted = !quoted;
    } else if (ch === "|" && !quoted) {
      out.push(current);
      current = "";
    } else current += ch;
  }
  out.push(current);
  return out;
}
