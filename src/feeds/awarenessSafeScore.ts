import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { dataCollectorCopies } from "./legacyColumns";
import { DAY_MS } from "./time";

const COLUMNS = strings(
  "emailAddress",
  "name",
  "risk",
  "humanError",
  "sentiment",
  "engagement",
  "knowledge",
  "userState",
  "department",
);

/**
 * Awareness training SAFE scores (`POST /api/awareness-training/company/get-safe-score-details`): one row
 * per user per snapshot. Columns of the 3.x table, plus the `_s` names its 1.0.0 parser (the newest) reads.
 */
export const awarenessSafeScoreFeed = snapshotFeed({
  id: "awareness-safe-score",
  title: "Awareness training: SAFE score details (snapshot)",
  permission: "Awareness Training → Dashboard → Read",
  defaultTable: "Awareness_SafeScore_Details_CL",
  endpoint: ENDPOINTS.awarenessSafeScore,
  filter: () => undefined,
  cadenceMs: DAY_MS / 2,
  retentionDays: 0,
  keyFields: ["emailAddress"],
  columns: [...COLUMNS, ...dataCollectorCopies(COLUMNS)],
});
