import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { DAY_MS } from "./time";

/**
 * Awareness training watchlist (`POST /api/awareness-training/company/get-watchlist-details`): users on
 * the watchlist at snapshot time. `watchlistCount` is numeric (`watchlistCount_d` in the older table).
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
  columns: [
    ...strings("email", "name"),
    { name: "watchlistCount", type: "real" },
    ...strings("userState", "department"),
  ],
});
