import { threatIntelFeed } from "./stix";

/**
 * Mimecast threat intel, `malware_grid` (`POST /api/ttp/threat-intel/get-feed`, STIX): malware seen across
 * Mimecast's regional grid. Same table and rules as the customer feed; FeedType tells them apart.
 */
export const threatIntelGridFeed = threatIntelFeed({
  id: "threat-intel-grid",
  title: "Threat intel: malware seen across the Mimecast grid (STIX)",
  feedType: "malware_grid",
});
