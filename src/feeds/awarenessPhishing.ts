import { ENDPOINTS } from "../mimecast/endpoints";
import { strings } from "./define";
import { snapshotFeed } from "./snapshot";
import { DAY_MS } from "./time";

/**
 * Phishing-campaign user data: `get-campaign` lists the campaigns, then
 * `get-user-data` (`{id}`, records in `data[0].items`) is paged per campaign. Columns of the 3.1
 * `Awareness_User_Data_CL` plus the campaign each row belongs to (the incumbent lost that link).
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
    ...strings("clickedIp", "department", "email"),
    { name: "items", type: "dynamic" },
    ...strings("name", "numCampaignsClicked", "numCampaignsClickedScanned", "numCampaignsScanned"),
    ...strings("numCampaignsSent", "numCorrectAnswers", "numIncorrectAnswers", "numTrainingModulesAssigned"),
    ...strings("reactionTime", "status", "templateName", "timeClicked", "timeOpened", "timeReported"),
    ...strings("timeScanned", "timeScheduled", "timeSubmitted", "userState"),
  ],
});
