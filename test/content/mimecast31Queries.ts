/**
 * Query text of the Mimecast 3.x solution as far as the research quotes it (research
 * sentinel-mimecast-31-tables.md §2–§4 for the 1.0.1 parsers and the TTP workbook, sentinel-mimecast.md §8 for
 * the 13 analytic rules). The solution's own files are not in this repository; nothing here is invented
 * beyond the glue KQL needs to run a quoted expression (`Table | extend <quoted expression>`, an empty row
 * list after a quoted `datatable(…)` schema). Where the glue goes further it says so.
 */

/** The 13 rules' filters, each on the parser the rule calls, as the research quotes them. */
export const MIMECAST_31_RULE_FILTERS: Readonly<Record<string, string>> = {
  "Mimecast Audit - Logon Authentication Failed": `MimecastAudit | where ['Source IP'] != "" and ['Audit Type'] == "Logon Authentication Failed"`,
  "Mimecast Data Leak Prevention - Hold": `MimecastDLP | where Action == "hold"`,
  "Mimecast Data Leak Prevention - Notifications": `MimecastDLP | where Action == "notification"`,
  "Mimecast Secure Email Gateway - AV": `MimecastCG | where Type == "email_antivirus"`,
  "Mimecast Secure Email Gateway - Attachment Protect": `MimecastCG | where Type == "email_ttp_ap"`,
  "Mimecast Secure Email Gateway - Impersonation Protect": `MimecastCG | where Type == "email_ttp_impersonation"`,
  "Mimecast Secure Email Gateway - Internal Email Protect": `MimecastCG | where Type == "email_iep"`,
  "Mimecast Secure Email Gateway - Spam Event Thread": `MimecastCG | where Type == "email_spam"`,
  "Mimecast Secure Email Gateway - URL Protect": `MimecastCG | where Type == "email_ttp_url"`,
  // Quoted as "`email_receipt and isnotempty(['Virus Found'])`" under "MimecastCG | where Type == …".
  "Mimecast Secure Email Gateway - Virus": `MimecastCG | where Type == "email_receipt" and isnotempty(['Virus Found'])`,
  "Mimecast Targeted Threat Protection - URL Protect": `MimecastTTPUrl | where ['Scan Result']=="malicious" and Action!="allow"`,
  "Mimecast Targeted Threat Protection - Attachment Protect": `MimecastTTPAttachment | where Result != "safe"`,
  "Mimecast Targeted Threat Protection - Impersonation Protect": `MimecastTTPImpersonation | where ['Tagged Malicious'] == true`,
};

/**
 * What the solution's own 1.0.1 parsers compute from the raw table columns (the research quotes these
 * expressions and dedup statements). Run against our tables, they show that a Content Hub install of the
 * solution's parsers over our tables reads the same types as it would on the 3.x tables.
 */
export const MIMECAST_31_PARSER_FRAGMENTS: Readonly<Record<string, string>> = {
  MimecastCG: `Seg_Cg_CL | extend ['Event Time'] = todatetime(unixtime_milliseconds_todatetime(tolong(timestamp))), ['Message ID'] = trim(@"[\\<\\>]", messageId), Type = Logtype`,
  MimecastDLP: `Seg_Dlp_CL | extend ['Event Time'] = todatetime(tolong(eventTime))`,
  // The parser parses ["Event Info"], its display name for eventInfo (the rename is implied, not quoted).
  MimecastAudit: `Audit_CL | extend ['Event Time'] = todatetime(eventTime), ['Event Info'] = eventInfo
| parse-kv ['Event Info'] as (IP:string, Application:string) with (pair_delimiter=',', kv_delimiter=':')`,
  MimecastTTPUrl: `let dummy_table = datatable(TimeGenerated:datetime, userEmailAddress:string, fromUserEmailAddress:string, messageId:string, sendingIp:string, url:string)[];
union isfuzzy=true dummy_table, Ttp_Url_CL
| summarize arg_max(TimeGenerated,*) by userEmailAddress, fromUserEmailAddress, sendingIp, messageId, url
| extend ['Event Time'] = iff(isempty(Date), now(), todatetime(Date))`,
  MimecastTTPAttachment: `let dummy_table = datatable(TimeGenerated:datetime, senderAddress:string, recipientAddress:string, messageId:string)[];
union isfuzzy=true dummy_table, Ttp_Attachment_CL
| summarize arg_max(TimeGenerated,*) by senderAddress, recipientAddress, messageId
| extend ['Event Time'] = todatetime(Date)`,
  MimecastTTPImpersonation: `let dummy_table = datatable(TimeGenerated:datetime, id:string)[];
union isfuzzy=true dummy_table, Ttp_Impersonation_CL
| summarize arg_max(TimeGenerated,*) by id`,
  MimecastCloudIntegrated: `Cloud_Integrated_CL | extend ['Event Time'] = todatetime(unixtime_milliseconds_todatetime(tolong(timestamp))), Type = type_`,
};

/**
 * The TTP workbook's union (research §4): it maps the built-in `Type` through a lookup keyed on the three
 * table names. The research gives the keys, not the values; the values here are placeholders and do not
 * change what the analyzer checks (that `Type` exists on every branch and is a string key).
 */
export const MIMECAST_31_TTP_WORKBOOK_UNION = `let TableMapping = dynamic({"Ttp_Url_CL": "", "Ttp_Attachment_CL": "", "Ttp_Impersonation_CL": ""});
union MimecastTTPUrl, MimecastTTPAttachment, MimecastTTPImpersonation
| extend Type = tostring(TableMapping[Type])`;
