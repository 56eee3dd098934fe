/**
 * What makes an analytic rule file deployable: the Sentinel Scheduled-rule YAML contract (required fields and their
 * formats, tactics, techniques, entity identifiers) and a query that type-checks and outputs every column the
 * entity mappings, custom details and alert details reference.
 */
import type { KustoWorkspace } from "../helpers/kusto-content";
import { describeErrors } from "../helpers/kusto-content";

export const SEVERITIES = ["Informational", "Low", "Medium", "High"] as const;
export const TRIGGER_OPERATORS = ["gt", "lt", "eq", "ne"] as const;

/** MITRE ATT&CK tactics as Sentinel names them. */
export const TACTICS = [
  "Reconnaissance",
  "ResourceDevelopment",
  "InitialAccess",
  "Execution",
  "Persistence",
  "PrivilegeEscalation",
  "DefenseEvasion",
  "CredentialAccess",
  "Discovery",
  "LateralMovement",
  "Collection",
  "Exfiltration",
  "CommandAndControl",
  "Impact",
] as const;

/** Entity types used by mapping, with the identifiers Sentinel accepts for each (entities reference). */
export const ENTITY_IDENTIFIERS: Readonly<Record<string, readonly string[]>> = {
  Account: [
    "Name",
    "FullName",
    "NTDomain",
    "DnsDomain",
    "UPNSuffix",
    "Sid",
    "AadTenantId",
    "AadUserId",
    "PUID",
  ],
  CloudApplication: ["AppId", "Name", "InstanceName"],
  DNS: ["DomainName"],
  File: ["Directory", "Name"],
  FileHash: ["Algorithm", "Value"],
  Host: ["DnsDomain", "NTDomain", "HostName", "FullName", "NetBiosName", "AzureID", "OMSAgentID", "OSFamily"],
  IP: ["Address", "AddressScope"],
  MailMessage: [
    "Recipient",
    "Urls",
    "Threats",
    "Sender",
    "P1Sender",
    "P1SenderDisplayName",
    "P1SenderDomain",
    "SenderIP",
    "P2Sender",
    "P2SenderDisplayName",
    "P2SenderDomain",
    "ReceivedDate",
    "NetworkMessageId",
    "InternetMessageId",
    "Subject",
    "AntispamDirection",
    "DeliveryAction",
    "DeliveryLocation",
    "Language",
  ],
  Mailbox: ["MailboxPrimaryAddress", "DisplayName", "Upn", "ExternalDirectoryObjectId", "RiskLevel"],
  URL: ["Url"],
};

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DURATION = /^(\d+)([mhd])$/;
const TECHNIQUE = /^T\d{4}(\.\d{3})?$/;
const SEMVER = /^\d+\.\d+\.\d+$/;
const CUSTOM_DETAIL_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,19}$/;
const MINUTES = { m: 1, h: 60, d: 1440 } as const;
const MAX_QUERY_CHARS = 10_000;

export interface FieldMapping {
  identifier: string;
  columnName: string;
}

export interface AnalyticRule {
  id: string;
  name: string;
  description: string;
  severity: string;
  requiredDataConnectors: { connectorId: string; dataTypes: string[] }[];
  queryFrequency: string;
  queryPeriod: string;
  triggerOperator: string;
  triggerThreshold: number;
  tactics: string[];
  relevantTechniques: string[];
  query: string;
  entityMappings: { entityType: string; fieldMappings: FieldMapping[] }[];
  customDetails?: Record<string, string>;
  alertDetailsOverride?: Record<string, string>;
  version: string;
  kind: string;
}

/** `15m` / `1h` / `14d` → minutes, or undefined when the format is wrong. */
export function durationMinutes(value: unknown): number | undefined {
  if (typeof value !== "string") return undefined;
  const match = DURATION.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * MINUTES[match[2] as keyof typeof MINUTES];
}

const isNonEmptyString = (v: unknown): v is string => typeof v === "string" && v.trim() !== "";

/** Every problem with one rule; empty when it is deployable. `tables` are the tables the connector writes. */
export function ruleProblems(raw: unknown, workspace: KustoWorkspace, tables: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  if (typeof raw !== "object" || raw === null) return ["not a YAML mapping"];
  const rule = raw as Partial<AnalyticRule> & Record<string, unknown>;

  for (const field of ["id", "name", "description", "severity", "query", "version", "kind"] as const) {
    if (!isNonEmptyString(rule[field])) problems.push(`${field}: required string`);
  }
  if (isNonEmptyString(rule.id) && !GUID.test(rule.id))
    problems.push(`id: not a lower-case GUID: ${rule.id}`);
  if (!(SEVERITIES as readonly unknown[]).includes(rule.severity))
    problems.push(`severity: ${rule.severity}`);
  if (rule.kind !== "Scheduled") problems.push(`kind: ${rule.kind} (expected Scheduled)`);
  if (isNonEmptyString(rule.version) && !SEMVER.test(rule.version)) problems.push(`version: ${rule.version}`);

  if (!Array.isArray(rule.requiredDataConnectors) || rule.requiredDataConnectors.length === 0) {
    problems.push("requiredDataConnectors: required");
  } else {
    for (const connector of rule.requiredDataConnectors) {
      if (!isNonEmptyString(connector.connectorId))
        problems.push("requiredDataConnectors: connectorId required");
      if (!Array.isArray(connector.dataTypes) || connector.dataTypes.length === 0) {
        problems.push("requiredDataConnectors: dataTypes required");
      } else {
        for (const table of connector.dataTypes) {
          if (!tables.has(table)) problems.push(`requiredDataConnectors: unknown table ${table}`);
        }
      }
    }
  }

  const frequency = durationMinutes(rule.queryFrequency);
  const period = durationMinutes(rule.queryPeriod);
  if (frequency === undefined)
    problems.push(`queryFrequency: ${rule.queryFrequency} (expected like 15m, 1h, 1d)`);
  else if (frequency < 5 || frequency > 14 * 1440) problems.push("queryFrequency: outside 5m..14d");
  if (period === undefined) problems.push(`queryPeriod: ${rule.queryPeriod} (expected like 15m, 1h, 1d)`);
  else if (period < 5 || period > 14 * 1440) problems.push("queryPeriod: outside 5m..14d");
  if (frequency !== undefined && period !== undefined && period < frequency) {
    problems.push("queryPeriod shorter than queryFrequency: events between runs would be missed");
  }

  if (!(TRIGGER_OPERATORS as readonly unknown[]).includes(rule.triggerOperator)) {
    problems.push(`triggerOperator: ${rule.triggerOperator}`);
  }
  if (!Number.isInteger(rule.triggerThreshold) || (rule.triggerThreshold ?? -1) < 0) {
    problems.push("triggerThreshold: a non-negative integer");
  }
  if (!Array.isArray(rule.tactics) || rule.tactics.length === 0) problems.push("tactics: required");
  for (const tactic of rule.tactics ?? []) {
    if (!(TACTICS as readonly string[]).includes(tactic)) problems.push(`tactics: unknown ${tactic}`);
  }
  if (!Array.isArray(rule.relevantTechniques) || rule.relevantTechniques.length === 0) {
    problems.push("relevantTechniques: required");
  }
  for (const technique of rule.relevantTechniques ?? []) {
    if (!TECHNIQUE.test(technique)) problems.push(`relevantTechniques: ${technique}`);
  }

  if (!isNonEmptyString(rule.query)) return problems;
  if (rule.query.length > MAX_QUERY_CHARS) problems.push(`query: longer than ${MAX_QUERY_CHARS} characters`);
  const { errors, columns } = workspace.analyze(rule.query);
  if (errors.length > 0) problems.push(`query: ${describeErrors(errors)}`);
  const output = new Set(columns.map((c) => c.name));

  // Rules that select newly arrived rows must do so over exactly one run interval: shorter misses rows,
  // longer alerts twice.
  const arrival = /IngestionTime > ago\((\w+)\)/.exec(rule.query);
  if (arrival && arrival[1] !== rule.queryFrequency) {
    problems.push(`query: IngestionTime > ago(${arrival[1]}) but queryFrequency is ${rule.queryFrequency}`);
  }

  if (!Array.isArray(rule.entityMappings) || rule.entityMappings.length === 0) {
    problems.push("entityMappings: required");
  } else {
    if (rule.entityMappings.length > 10) problems.push("entityMappings: at most 10");
    for (const mapping of rule.entityMappings) {
      const identifiers = ENTITY_IDENTIFIERS[mapping.entityType];
      if (!identifiers) {
        problems.push(`entityMappings: unknown entity type ${mapping.entityType}`);
        continue;
      }
      if (!Array.isArray(mapping.fieldMappings) || mapping.fieldMappings.length === 0) {
        problems.push(`entityMappings ${mapping.entityType}: no fieldMappings`);
        continue;
      }
      if (mapping.fieldMappings.length > 3)
        problems.push(`entityMappings ${mapping.entityType}: at most 3 identifiers`);
      for (const field of mapping.fieldMappings) {
        if (!identifiers.includes(field.identifier)) {
          problems.push(`entityMappings ${mapping.entityType}: unknown identifier ${field.identifier}`);
        }
        if (!output.has(field.columnName)) {
          problems.push(
            `entityMappings ${mapping.entityType}.${field.identifier}: column ${field.columnName} not in query output`,
          );
        }
      }
    }
  }

  for (const [key, column] of Object.entries(rule.customDetails ?? {})) {
    if (!CUSTOM_DETAIL_KEY.test(key)) problems.push(`customDetails: key ${key} (letters, digits, _; ≤ 20)`);
    if (!output.has(column)) problems.push(`customDetails ${key}: column ${column} not in query output`);
  }
  for (const [key, format] of Object.entries(rule.alertDetailsOverride ?? {})) {
    for (const match of format.matchAll(/\{\{([^}]+)\}\}/g)) {
      if (!output.has(match[1]!))
        problems.push(`alertDetailsOverride ${key}: column ${match[1]} not in query output`);
    }
  }
  return problems;
}
