/** Awareness-training endpoints: paged snapshots of "today" (the day is pinned in the page token). */
import { hashString } from "../core/random";
import { isInteger } from "../core/signed-token";
import { DAY_MS } from "../core/time-format";
import {
  campaignUserData,
  campaigns,
  dayOf,
  performanceDetails,
  safeScoreDetails,
  watchlistDetails,
} from "../feeds/awareness";
import type { LogRecord } from "../feeds/types";
import type { Handler } from "../http/context";
import { canonicalJson, isEnvelopeError, pageSizeOf, readEnvelope } from "../http/json-request";
import type { MimecastError } from "../http/responses";
import { functionFail, json } from "../http/responses";

type Snapshot = (seed: number, asOf: number, item: Record<string, unknown>) => LogRecord[] | MimecastError;

interface AwarenessSpec {
  snapshot: Snapshot;
  /** Records sit in `data[]` (company endpoints, campaigns) or in `data[0].items` (user data). */
  wrapInItems: boolean;
}

export const AWARENESS_ENDPOINTS: Readonly<Record<string, AwarenessSpec>> = {
  "/api/awareness-training/company/get-performance-details": {
    snapshot: (seed, asOf, item) => performanceDetails(seed, asOf, item.includeUserDetails === true),
    wrapInItems: false,
  },
  "/api/awareness-training/company/get-safe-score-details": {
    snapshot: (seed, asOf) => safeScoreDetails(seed, asOf),
    wrapInItems: false,
  },
  "/api/awareness-training/company/get-watchlist-details": {
    snapshot: (seed, asOf) => watchlistDetails(seed, asOf),
    wrapInItems: false,
  },
  "/api/awareness-training/phishing/campaign/get-campaign": {
    snapshot: (seed, asOf) => campaigns(seed, asOf),
    wrapInItems: false,
  },
  "/api/awareness-training/phishing/campaign/get-user-data": {
    snapshot: (seed, asOf, item) => {
      if (typeof item.id !== "string" || item.id === "")
        return { code: "err_validation_required_field_missing", message: "id is required." };
      return (
        campaignUserData(seed, asOf, item.id) ?? {
          code: "err_campaign_not_found",
          message: `Campaign ${item.id} was not found.`,
        }
      );
    },
    wrapInItems: true,
  },
};

export function awarenessHandler(path: string, spec: AwarenessSpec): Handler {
  return (request, sim) => {
    const envelope = readEnvelope(request);
    if (isEnvelopeError(envelope)) return functionFail(envelope);
    const item = envelope.items[0] ?? {};
    const queryHash = hashString(`${path}\u0000${canonicalJson(item)}`);
    let asOf = request.now;
    let offset = 0;
    if (envelope.pageToken !== undefined) {
      const payload = sim.signer.decode("snapshot", envelope.pageToken);
      if (!payload || payload.q !== queryHash || !isInteger(payload.d) || !isInteger(payload.o)) {
        return functionFail(
          {
            code: "err_validation_page_token_invalid",
            message: "The page token is invalid or does not belong to this query.",
          },
          item,
        );
      }
      // Pages of one pass all come from the snapshot of the day the pass started.
      asOf = payload.d * DAY_MS + (request.now % DAY_MS);
      offset = payload.o;
    }
    const records = spec.snapshot(sim.options.seed, asOf, item);
    if (!Array.isArray(records)) return functionFail(records, item);
    const pageSize = pageSizeOf(envelope);
    const page = records.slice(offset, offset + pageSize);
    const pagination: Record<string, unknown> = { pageSize: page.length, totalCount: records.length };
    if (offset + page.length < records.length) {
      pagination.next = sim.signer.encode("snapshot", {
        q: queryHash,
        d: dayOf(asOf),
        o: offset + page.length,
      });
    }
    const data = spec.wrapInItems ? [{ items: page }] : page;
    return json(200, { meta: { status: 200, pagination }, data, fail: [] });
  };
}
