/**
 * API 1.0 SIEM: `POST /api/audit/get-siem-logs` hands out one file per call (one log type, one 30-minute
 * slot), oldest first over the 7 retained days; `mc-siem-token` resumes after it. When nothing is left the
 * answer is JSON with `isLastToken: true` and the same token, so a collector can poll again later.
 */
import { zipSync } from "fflate";
import { isInteger } from "../core/signed-token";
import { V1_FILE_SLOT_MS, slotOf } from "../core/slots";
import { DAY_MS, formatFileStamp } from "../core/time-format";
import type { LogRecord } from "../feeds/types";
import { SIEM_V1_TYPES } from "../feeds/types";
import type { Handler, SimContext } from "../http/context";
import { isEnvelopeError, readEnvelope } from "../http/json-request";
import { functionFail, json } from "../http/responses";

export const V1_RETENTION_MS = 7 * DAY_MS;

interface FilePosition {
  slot: number;
  /** Index into SIEM_V1_TYPES. */
  kind: number;
}

export const siemV1Handler: Handler = (request, sim) => {
  const envelope = readEnvelope(request);
  if (isEnvelopeError(envelope)) return functionFail(envelope);
  const item = envelope.items[0] ?? {};
  if (item.type !== "MTA")
    return functionFail({ code: "err_audit_siem_invalid_type", message: "type must be MTA." }, item);
  const fileFormat = item.fileFormat ?? "key_value";
  if (fileFormat !== "json" && fileFormat !== "key_value") {
    return functionFail(
      { code: "err_audit_siem_invalid_file_format", message: "fileFormat must be json or key_value." },
      item,
    );
  }

  const firstSlot = slotOf(request.now - V1_RETENTION_MS, V1_FILE_SLOT_MS);
  let position: FilePosition = { slot: firstSlot - 1, kind: SIEM_V1_TYPES.length - 1 };
  const givenToken = typeof item.token === "string" && item.token !== "" ? item.token : undefined;
  if (givenToken !== undefined) {
    const payload = sim.signer.decode("siem-v1", givenToken);
    if (!payload || !isInteger(payload.s) || !isInteger(payload.t)) {
      return functionFail({ code: "err_audit_siem_invalid_token", message: "Invalid SIEM token." }, item);
    }
    position = { slot: Math.max(payload.s, firstSlot - 1), kind: payload.t };
  }

  const next = nextFile(sim, position, request.now);
  if (!next) {
    const token = givenToken ?? sim.signer.encode("siem-v1", { s: position.slot, t: position.kind });
    return json(
      200,
      { meta: { isLastToken: true, status: 200 }, data: [], fail: [] },
      { isLastToken: "true", "mc-siem-token": token },
    );
  }

  const type = SIEM_V1_TYPES[next.kind] ?? "receipt";
  const stream = sim.universe.stream("siem-v1", type);
  const records: LogRecord[] = [];
  for (const sk of sim.universe.byPublishTime(
    stream,
    next.slot * V1_FILE_SLOT_MS,
    (next.slot + 1) * V1_FILE_SLOT_MS,
  )) {
    records.push(sim.universe.materialize(stream, sk).record);
  }
  const base = `${type}_${formatFileStamp((next.slot + 1) * V1_FILE_SLOT_MS)}`;
  let name = `${base}.${fileFormat === "json" ? "json" : "log"}`;
  let body = Buffer.from(
    fileFormat === "json" ? JSON.stringify({ type: "MTA", data: records }) : keyValueFile(records),
  );
  if (item.compress === true) {
    body = Buffer.from(
      zipSync({ [name]: new Uint8Array(body) }, { mtime: (next.slot + 1) * V1_FILE_SLOT_MS }),
    );
    name = `${base}.zip`;
  }
  return {
    status: 200,
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Disposition": `attachment; filename="${name}"`,
      "mc-siem-token": sim.signer.encode("siem-v1", { s: next.slot, t: next.kind }),
    },
    body,
  };
};

/** The first file after `position` that is published by `now`. */
function nextFile(sim: SimContext, position: FilePosition, now: number): FilePosition | undefined {
  const lastPublished = slotOf(now, V1_FILE_SLOT_MS) - 1;
  for (let slot = position.slot; slot <= lastPublished; slot++) {
    const firstKind = slot === position.slot ? position.kind + 1 : 0;
    for (let kind = firstKind; kind < SIEM_V1_TYPES.length; kind++) {
      const stream = sim.universe.stream("siem-v1", SIEM_V1_TYPES[kind] ?? "receipt");
      if (sim.universe.hasPublishedIn(stream, slot * V1_FILE_SLOT_MS, (slot + 1) * V1_FILE_SLOT_MS))
        return { slot, kind };
    }
  }
  return undefined;
}

/** `datetime=…|aCode=…|acc=…` lines; null fields are left out. */
export function keyValueLine(record: LogRecord): string {
  return Object.entries(record)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(
      ([key, value]) =>
        `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value as string | number | boolean)}`,
    )
    .join("|");
}

function keyValueFile(records: readonly LogRecord[]): string {
  return records.map((record) => `${keyValueLine(record)}\n`).join("");
}
