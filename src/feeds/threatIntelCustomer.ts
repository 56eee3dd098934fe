import { threatIntelFeed } from "./stix";

/**
 * Mimecast threat intel, `malware_customer` (`POST /api/ttp/threat-intel/get-feed`, STIX): malware seen in
 * this customer's mail. Indicators go to MimecastThreatIntel_CL and (optionally) Sentinel TI.
 */
export const threatIntelCustomerFeed = threatIntelFeed({
  id: "threat-intel-customer",
  title: "Threat intel: malware seen by this customer (STIX)",
  feedType: "malware_customer",
});
