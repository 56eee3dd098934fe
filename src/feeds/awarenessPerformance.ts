import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { dataCollectorCopies } from "./legacyColumns";
import { DAY_MS } from "./time";
import type { ColumnSpec } from "./types";

const COLUMNS: readonly ColumnSpec[] = [
  ...strings("department", "email", "name"),
  { name: "numCorrect", type: "real" },
  { name: "numIncorrect", type: "real" },
  { name: "numNotWatched", type: "real" },
  { name: "userDetails", type: "dynamic" },
  ...strings("userId", "userState"),
];
/** What the 1.0.0 `AwarenessPerformanceDetails` parser (the newest published) reads, suffixed. */
const LEGACY = COLUMNS.filter((column) => column.name !== "userId");

/**
 * Awareness training performance details (`POST /api/awareness-training/company/get-performance-details`,
 * `includeUserDetails: true`): one row per enrolled user per snapshot, columns of the 3.1
 * `Awareness_Performance_Details_CL` with its types, plus the Data Collector (`_s`/`_d`) copies.
 */
export const awarenessPerformanceFeed = snapshotFeed({
  id: "awareness-performance",
  title: "Awareness training: performance details (snapshot)",
  permission: "Awareness Training → Dashboard → Read",
  defaultTable: "Awareness_Performance_Details_CL",
  endpoint: ENDPOINTS.awarenessPerformance,
  filter: () => ({ includeUserDetails: true }),
  cadenceMs: DAY_MS / 2,
  retentionDays: 0,
  keyFields: ["email"],
  columns: [...COLUMNS, ...dataCollectorCopies(LEGACY)],
});
