import { Unzip, UnzipInflate } from "fflate";
import type { MimecastClient } from "./client";
import { SIEM_V1_FAMILY, SIEM_V1_PATH } from "./endpoints";
import { MimecastBadResponseError } from "./errors";
import type { NdjsonItem } from "./ndjson";
import { parseNdjson } from "./ndjson";
import { isRecord } from "./responses";

export type SiemV1Format = "json" | "key_value";

export type SiemV1Result =
  | {
      kind: "file";
      fileName: string;
      /** `mc-siem-token` for the *next* file; store it once this file is ingested. */
      nextToken?: string;
      isLastToken: boolean;
      /** Records (with their position in the file) and unparseable entries, in file order. */
      items: NdjsonItem[];
    }
  | { kind: "caught-up"; token?: string };

/** Guard against a runaway response: API 1.0 SIEM files are a 30-minute slice of one log type. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;
/**
 * Most text one file may inflate to. A 1.6 MB zip that inflates to 1.6 GB is a bomb, not a log slice:
 * inflation stops at the cap (memory stays bounded), what was read is kept and the rest dead-lettered.
 */
export const MAX_INFLATED_BYTES = 64 * 1024 * 1024;
/** Compressed bytes fed per step, so one step inflates to a few MB at most (deflate tops out ~1032:1). */
const INFLATE_SLICE_BYTES = 4096;

/**
 * `POST /api/audit/get-siem-logs` (API 1.0 keys, or a 2.0 token): one file per call, next token in the
 * `mc-siem-token` response header, `application/json` when nothing is left. Files are zip archives when
 * `compress` is set (we always ask: smaller transfers).
 */
export async function fetchSiemLogsV1(
  client: MimecastClient,
  options: { token?: string; fileFormat?: SiemV1Format; maxInflatedBytes?: number },
): Promise<SiemV1Result> {
  const fileFormat = options.fileFormat ?? "json";
  const response = await client.request({
    method: "POST",
    path: SIEM_V1_PATH,
    family: SIEM_V1_FAMILY,
    maxResponseBytes: MAX_FILE_BYTES,
    body: {
      data: [{ type: "MTA", fileFormat, compress: true, ...(options.token ? { token: options.token } : {}) }],
    },
  });
  const contentType = response.headers["content-type"] ?? "";
  if (contentType.includes("application/json")) {
    client.parseEnvelope(SIEM_V1_PATH, response, []); // throws on a fail array
    return { kind: "caught-up", ...(options.token ? { token: options.token } : {}) };
  }
  if (response.body.length > MAX_FILE_BYTES) {
    throw new MimecastBadResponseError(
      `${SIEM_V1_PATH}: file of ${response.body.length} bytes exceeds the limit`,
      SIEM_V1_PATH,
    );
  }
  const nextToken = response.headers["mc-siem-token"];
  const fileName = fileNameFrom(response.headers["content-disposition"]) ?? "siem.log";
  const cap = options.maxInflatedBytes ?? MAX_INFLATED_BYTES;
  const files = isZip(response.body)
    ? inflateZip(response.body, cap)
    : { entries: [{ name: fileName, content: response.body }] };
  const items: NdjsonItem[] = [];
  for (const { content } of files.entries) {
    const text = content.toString("utf8");
    const parsed = fileFormat === "json" ? await parseV1Json(text) : parseKeyValue(text);
    const offset = items.length > 0 ? items[items.length - 1]!.line : 0;
    items.push(...parsed.map((item) => ({ ...item, line: item.line + offset })));
  }
  if (files.broken !== undefined) {
    const line = (items.length > 0 ? items[items.length - 1]!.line : 0) + 1;
    items.push({ kind: "bad-line", line, raw: "", reason: files.broken });
  }
  return {
    kind: "file",
    fileName,
    ...(nextToken ? { nextToken } : {}),
    isLastToken: (response.headers["islasttoken"] ?? "").toLowerCase() === "true",
    items,
  };
}

/**
 * Inflates a zip with fflate's streaming Unzip, a slice at a time, stopping at `cap` bytes of output in
 * total. `broken` says why the rest is unreadable (a bomb past the cap, or corrupt zip data).
 */
function inflateZip(
  body: Buffer,
  cap: number,
): { entries: Array<{ name: string; content: Buffer }>; broken?: string } {
  const entries: Array<{ name: string; parts: Buffer[] }> = [];
  let total = 0;
  let broken: string | undefined;
  const unzip = new Unzip((file) => {
    const entry = { name: file.name, parts: [] as Buffer[] };
    entries.push(entry);
    file.ondata = (error, chunk) => {
      if (broken !== undefined) return;
      if (error) {
        broken = `zip entry ${file.name} is corrupt (${error.message}); the rest of the file is unreadable`;
        return;
      }
      const room = cap - total;
      if (chunk.length > room) {
        entry.parts.push(Buffer.from(chunk.subarray(0, Math.max(0, room))));
        total = cap;
        broken =
          `zip entry ${file.name} inflates beyond ${cap} bytes (a zip bomb, or a file far larger than a ` +
          `30-minute SIEM slice): inflation stopped there; the rest of the file is unreadable`;
        return;
      }
      total += chunk.length;
      entry.parts.push(Buffer.from(chunk));
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  try {
    for (let offset = 0; offset < body.length && broken === undefined; offset += INFLATE_SLICE_BYTES) {
      const end = Math.min(body.length, offset + INFLATE_SLICE_BYTES);
      unzip.push(body.subarray(offset, end), end === body.length);
    }
  } catch (error) {
    broken ??= `zip data is corrupt (${(error as Error).message}); the rest of the file is unreadable`;
  }
  return {
    entries: entries.map(({ name, parts }) => ({ name, content: Buffer.concat(parts) })),
    ...(broken !== undefined ? { broken } : {}),
  };
}

function isZip(body: Buffer): boolean {
  return body.length >= 4 && body[0] === 0x50 && body[1] === 0x4b && body[2] === 0x03 && body[3] === 0x04;
}

function fileNameFrom(disposition: string | undefined): string | undefined {
  if (!disposition) return undefined;
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return match?.[1];
}

/**
 * JSON format: `{"type":"MTA","data":[{…},…]}`. A truncated file (Elastic #5053 stalled for 7 days on
 * one) is salvaged line by line: every complete object is kept, the rest becomes bad lines.
 */
async function parseV1Json(text: string): Promise<NdjsonItem[]> {
  try {
    const parsed: unknown = JSON.parse(text);
    const data = isRecord(parsed) ? parsed["data"] : undefined;
    if (Array.isArray(data)) {
      return data.map((record: unknown, i): NdjsonItem =>
        isRecord(record)
          ? { kind: "record", line: i + 1, record }
          : { kind: "bad-line", line: i + 1, raw: JSON.stringify(record), reason: "entry is not an object" },
      );
    }
  } catch {
    // fall through to salvage
  }
  const items: NdjsonItem[] = [];
  const cleaned = text
    .split("\n")
    .map((l) => l.trim().replace(/,$/, ""))
    .join("\n");
  for await (const item of parseNdjson(toAsync(cleaned))) {
    if (
      item.kind === "bad-line" &&
      /^[[\]{}]?$|^\{\s*"type"\s*:\s*"MTA"\s*,\s*"data"\s*:\s*\[?$/.test(item.raw.trim())
    ) {
      continue; // envelope lines of a pretty-printed file
    }
    items.push(item);
  }
  return items;
}

/** key_value format: `datetime=2017-05-26T16:47:41+0100|aCode=…|acc=…` per line. */
function parseKeyValue(text: string): NdjsonItem[] {
  const items: NdjsonItem[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (line.trim().length === 0) return;
    const record: Record<string, unknown> = {};
    for (const pair of line.split("|")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      record[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    if (Object.keys(record).length === 0) {
      items.push({ kind: "bad-line", line: i + 1, raw: line, reason: "no key=value pairs" });
    } else {
      items.push({ kind: "record", line: i + 1, record });
    }
  });
  return items;
}

async function* toAsync(text: string): AsyncGenerator<string> {
  await Promise.resolve();
  yield text;
}
