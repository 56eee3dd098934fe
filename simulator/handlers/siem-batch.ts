/**
 * `GET /siem/v1/batch/events/{cg,ci}`: lists presigned batch files, oldest first, `pageSize` files per page.
 * `@nextPage` is a resumable cursor (type list, date range, last file) that is always returned: once caught
 * up (`isCaughtUp: true`) the same cursor later yields the files published since.
 */
import type { BatchFileRef, SiemProduct } from "../core/batch-files";
import { SIEM_PRODUCTS } from "../core/batch-files";
import { isInteger } from "../core/signed-token";
import { BATCH_FILE_SLOT_MS, slotOf } from "../core/slots";
import { DAY_MS, formatDay, parseDay, startOfUtcDay } from "../core/time-format";
import type { Handler, SimContext, SimResponse } from "../http/context";
import { presign } from "../http/presign";
import { json, restError } from "../http/responses";

export const BATCH_RETENTION_DAYS = 7;
export const MAX_BATCH_PAGE_SIZE = 100;
export const DEFAULT_BATCH_PAGE_SIZE = 100;

interface BatchCursor {
  product: SiemProduct;
  /** Requested types, in the product's canonical order. */
  types: string[];
  /** First day (UTC midnight) of the range. */
  start: number;
  /** Exclusive end (UTC midnight after the last day); null when the request named no end (open range). */
  end: number | null;
  /** Last listed file: publish slot and index into `types`. */
  slot: number;
  typeIndex: number;
}

export function siemBatchHandler(product: SiemProduct): Handler {
  return async (request, sim) => {
    const now = request.now;
    const retentionStart = startOfUtcDay(now) - BATCH_RETENTION_DAYS * DAY_MS;
    const pageSizeText = request.query.get("pageSize");
    const pageSize = pageSizeText === null ? DEFAULT_BATCH_PAGE_SIZE : Number(pageSizeText);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_BATCH_PAGE_SIZE) {
      return restError(
        400,
        "invalid_page_size",
        `pageSize must be an integer between 1 and ${MAX_BATCH_PAGE_SIZE}.`,
      );
    }
    const types = parseTypes(product, request.query.get("type"));
    if (typeof types === "string") return restError(400, "invalid_type", types);

    let cursor: BatchCursor;
    const nextPage = request.query.get("nextPage");
    if (nextPage) {
      const decoded = decodeCursor(sim.signer.decode("siem-batch", nextPage));
      if (!decoded || decoded.product !== product || decoded.types.join(",") !== types.join(",")) {
        return restError(400, "invalid_next_page", "nextPage is invalid or belongs to another type list.");
      }
      cursor = decoded;
    } else {
      const range = parseRange(
        request.query.get("dateRangeStartsAt"),
        request.query.get("dateRangeEndsAt"),
        retentionStart,
      );
      if ("message" in range) return restError(400, range.code, range.message);
      cursor = {
        product,
        types,
        start: range.start,
        end: range.end,
        slot: slotOf(range.start, BATCH_FILE_SLOT_MS) - 1,
        typeIndex: types.length - 1,
      };
    }
    return listPage(sim, cursor, pageSize, now, retentionStart);
  };
}

async function listPage(
  sim: SimContext,
  cursor: BatchCursor,
  pageSize: number,
  now: number,
  retentionStart: number,
): Promise<SimResponse> {
  const files: BatchFileRef[] = [];
  let position = { slot: cursor.slot, typeIndex: cursor.typeIndex };
  // Files older than the retention are gone: a cursor that fell behind silently skips them, as a real one would.
  const retentionSlot = slotOf(retentionStart, BATCH_FILE_SLOT_MS);
  if (position.slot < retentionSlot)
    position = { slot: retentionSlot - 1, typeIndex: cursor.types.length - 1 };
  const found = scan(sim, cursor, position, now, pageSize + 1);
  for (const ref of found.slice(0, pageSize)) files.push(ref.ref);
  const last = found[Math.min(found.length, pageSize) - 1];
  if (last) position = { slot: last.ref.slot, typeIndex: last.typeIndex };

  const value = await Promise.all(
    files.map(async (ref) => {
      const signed = presign(
        sim.fileUrlSecret,
        sim.fileBaseUrl(),
        sim.batchFiles.objectPath(ref),
        now,
        sim.options.fileUrlTtlMs,
      );
      return {
        url: signed.url,
        expiry: new Date(signed.expiresAt).toISOString(),
        size: await sim.batchFiles.size(ref),
      };
    }),
  );
  const nextPage = sim.signer.encode("siem-batch", {
    ...cursor,
    slot: position.slot,
    typeIndex: position.typeIndex,
  });
  return json(200, { value, "@nextPage": nextPage, isCaughtUp: found.length <= pageSize });
}

/** Up to `limit` published files after `from`, in (slot, type) order, within the cursor's range. */
function scan(
  sim: SimContext,
  cursor: BatchCursor,
  from: { slot: number; typeIndex: number },
  now: number,
  limit: number,
): Array<{ ref: BatchFileRef; typeIndex: number }> {
  const out: Array<{ ref: BatchFileRef; typeIndex: number }> = [];
  const lastPublished = slotOf(now, BATCH_FILE_SLOT_MS) - 1;
  const lastInRange = cursor.end === null ? lastPublished : slotOf(cursor.end, BATCH_FILE_SLOT_MS) - 1;
  const lastSlot = Math.min(lastPublished, lastInRange);
  for (let slot = from.slot; slot <= lastSlot && out.length < limit; slot++) {
    const firstType = slot === from.slot ? from.typeIndex + 1 : 0;
    for (let typeIndex = firstType; typeIndex < cursor.types.length && out.length < limit; typeIndex++) {
      const ref: BatchFileRef = { product: cursor.product, type: cursor.types[typeIndex] ?? "", slot };
      if (sim.batchFiles.exists(ref, now)) out.push({ ref, typeIndex });
    }
  }
  return out;
}

/** One type or a comma-separated list (the Sentinel connector sends all ten at once). */
function parseTypes(product: SiemProduct, raw: string | null): string[] | string {
  if (raw === null || raw.trim() === "") return "type is required.";
  const known = SIEM_PRODUCTS[product].types;
  const requested = raw.split(",").map((t) => t.trim());
  const unknown = requested.filter((t) => !known.includes(t));
  if (unknown.length > 0)
    return `Unknown type ${unknown.map((t) => `"${t}"`).join(", ")}. Valid types: ${known.join(", ")}.`;
  if (new Set(requested).size !== requested.length) return "type lists a type twice.";
  return known.filter((t) => requested.includes(t));
}

function parseRange(
  startText: string | null,
  endText: string | null,
  retentionStart: number,
): { start: number; end: number | null } | { code: string; message: string } {
  const start = startText === null ? retentionStart : parseDay(startText);
  const lastDay = endText === null ? null : parseDay(endText);
  if (Number.isNaN(start) || (lastDay !== null && Number.isNaN(lastDay))) {
    return {
      code: "invalid_date_range",
      message: "dateRangeStartsAt and dateRangeEndsAt must be dates formatted YYYY-MM-DD.",
    };
  }
  if (start < retentionStart) {
    return {
      code: "date_range_out_of_retention",
      message: `dateRangeStartsAt must not be before ${formatDay(retentionStart)}: data is retained for ${BATCH_RETENTION_DAYS} days.`,
    };
  }
  if (lastDay !== null && lastDay < start)
    return { code: "invalid_date_range", message: "dateRangeEndsAt is before dateRangeStartsAt." };
  return { start, end: lastDay === null ? null : lastDay + DAY_MS };
}

function decodeCursor(payload: Record<string, unknown> | null): BatchCursor | null {
  if (!payload) return null;
  const { product, types, start, end, slot, typeIndex } = payload;
  if (product !== "cg" && product !== "ci") return null;
  if (!Array.isArray(types) || !types.every((t): t is string => typeof t === "string")) return null;
  if (!isInteger(start) || !(end === null || isInteger(end)) || !isInteger(slot) || !isInteger(typeIndex))
    return null;
  return { product, types, start, end, slot, typeIndex };
}
