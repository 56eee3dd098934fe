import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { DAY_MS } from "./time";

/**
 * Awareness training performance details (`POST /api/awareness-training/company/get-performance-details`,
 * `includeUserDetails: true`): one row per enrolled user per snapshot, columns of the 3.1
 * `Awareness_Performance_Details_CL` (strings as the 3.1 table declares them; `userDetails` dynamic).
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
  columns: [
    ...strings("department", "email", "name", "numCorrect", "numIncorrect", "numNotWatched"),
    { name: "userDetails", type: "dynamic" },
    ...strings("userId", "userState"),
  ],
});
