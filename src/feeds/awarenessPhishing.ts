import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { DAY_MS } from "./time";
import type { ColumnSpec } from "./types";

const reals = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: "real" }));
const times = (...names: string[]): ColumnSpec[] => names.map((name) => ({ name, type: "datetime" }));

/**
 * Phishing-campaign user data: `get-campaign` lists the campaigns, then
 * `get-user-data` (`{id}`, records in `data[0].items`) is paged per campaign. Columns of the 3.1
 * `Awareness_User_Data_CL` (with its types: counts real, times datetime, `items` a string) plus the campaign each row belongs to (the incumbent lost that link).
 */
export const awarenessPhishingFeed = snapshotFeed({
  id: "awareness-phishing",
  title: "Awareness training: phishing campaign user data (snapshot)",
  permission: "Awareness Training → Phishing Campaigns → Read",
  defaultTable: "Awareness_User_Data_CL",
  endpoint: ENDPOINTS.awarenessCampaignUsers,
  filter: (campaignId) => ({ id: campaignId }),
  parent: {
    endpoint: ENDPOINTS.awarenessCampaigns,
    idField: "id",
    inherit: { campaignId: "id", campaignName: "name", campaignLaunchDate: "launchDate" },
  },
  cadenceMs: DAY_MS / 2,
  retentionDays: 0,
  keyFields: ["campaignId", "email"],
  columns: [
    ...strings("campaignId", "campaignName"),
    { name: "campaignLaunchDate", type: "datetime" },
    ...strings("clickedIp", "department", "email", "name", "status", "templateName", "userState"),
    // Serialised, as the 3.x table declares it.
    { name: "items", type: "string" },
    ...reals("numCampaignsClicked", "numCampaignsClickedScanned", "numCampaignsScanned", "numCampaignsSent"),
    ...reals("numCorrectAnswers", "numIncorrectAnswers", "numTrainingModulesAssigned", "reactionTime"),
    ...times("timeClicked", "timeOpened", "timeReported", "timeScanned", "timeScheduled", "timeSubmitted"),
  ],
});
