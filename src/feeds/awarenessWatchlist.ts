import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { dataCollectorCopies } from "./legacyColumns";
import { DAY_MS } from "./time";
import type { ColumnSpec } from "./types";

const COLUMNS: readonly ColumnSpec[] = [
  ...strings("email", "name"),
  { name: "watchlistCount", type: "real" },
  ...strings("userState", "department"),
];

/**
 * Awareness training watchlist (`POST /api/awareness-training/company/get-watchlist-details`): users on
 * the watchlist at snapshot time. Columns of the 3.x table plus the `_s`/`_d` copies its 1.0.0 parser (the
 * newest) reads, e.g. `watchlistCount_d`.
 */
export const awarenessWatchlistFeed = snapshotFeed({
  id: "awareness-watchlist",
  title: "Awareness training: watchlist (snapshot)",
  permission: "Awareness Training → Dashboard → Read",
  defaultTable: "Awareness_Watchlist_Details_CL",
  endpoint: ENDPOINTS.awarenessWatchlist,
  filter: () => undefined,
  cadenceMs: DAY_MS / 2,
  retentionDays: 0,
  keyFields: ["email"],
  columns: [...COLUMNS, ...strings("userId"), ...dataCollectorCopies(COLUMNS)],
});
