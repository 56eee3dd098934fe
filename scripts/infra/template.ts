/**
 * infra/azuredeploy.json and infra/createUiDefinition.json, built here rather than by hand so the DCR,
 * the tables and the table-name settings can never drift from the feed registry. The generated DCR and
 * tables are embedded verbatim as the `dcr` and `tables` variables; resources only rename tables.
 *
 * Cloud-neutral by construction: endpoints come from reference() / environment(), never literals.
 */
import type { GeneratedDcr, GeneratedTable, TableEntry } from "./tables";

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Built-in role definition ids (the same in every cloud). */
export const ROLES = {
  monitoringMetricsPublisher: "3913510d-42f4-4e42-8a64-420c390055eb",
  keyVaultSecretsUser: "4633458b-17de-408a-b874-0445c86b69e6",
  storageBlobDataOwner: "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  storageQueueDataContributor: "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
  storageTableDataContributor: "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
  sentinelContributor: "ab8e14d6-4a74-4a29-9ba8-549422addade",
  durableTaskDataContributor: "0ad04412-c4d5-4796-b79c-f76d14c8d402",
} as const;

/** host.json's durableTask.hubName: the Durable Task Scheduler's task hub carries the same name. */
export const TASK_HUB_NAME = "MimecastSentinel";

/** The app setting holding the scheduler's connection string (named by host.json overrides below). */
export const DTS_CONNECTION_SETTING = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING";

/** host.json values overridden through app settings (`AzureFunctionsJobHost__<path>`), per Durable backend. */
const STORAGE_PROVIDER = "AzureFunctionsJobHost__extensions__durableTask__storageProvider";

/** Key Vault secret names and the `mimecastSecrets` keys they are read from, per Mimecast API version. */
export const VAULT_SECRETS = {
  "2.0": [{ name: "mimecast-client-secret", key: "clientSecret", setting: "MIMECAST_CLIENT_SECRET_NAME" }],
  "1.0": [
    { name: "mimecast-app-key", key: "appKey", setting: "MIMECAST_APP_KEY_NAME" },
    { name: "mimecast-access-key", key: "accessKey", setting: "MIMECAST_ACCESS_KEY_NAME" },
    { name: "mimecast-secret-key", key: "secretKey", setting: "MIMECAST_SECRET_KEY_NAME" },
  ],
} as const;

const API = {
  storage: "2023-05-01",
  web: "2024-04-01",
  insights: "2020-02-02",
  keyVault: "2023-07-01",
  dcr: "2023-03-11",
  tables: "2022-10-01",
  workspace: "2022-10-01",
  deployments: "2022-09-01",
  roles: "2022-04-01",
  durableTask: "2025-11-01",
} as const;

/** The connector's own default (MIMECAST_SCHEDULE in src/config/schema.ts; a test keeps them equal). */
export const DEFAULT_SCHEDULE = "0 */5 * * * *";

const SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";

const id = {
  storage: "resourceId('Microsoft.Storage/storageAccounts', variables('storageAccountName'))",
  plan: "resourceId('Microsoft.Web/serverfarms', variables('planName'))",
  site: "resourceId('Microsoft.Web/sites', parameters('appName'))",
  insights: "resourceId('Microsoft.Insights/components', variables('appInsightsName'))",
  vault: "resourceId('Microsoft.KeyVault/vaults', variables('keyVaultName'))",
  dce: "resourceId('Microsoft.Insights/dataCollectionEndpoints', variables('dceName'))",
  container:
    "resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', variables('storageAccountName'), 'default', variables('deploymentContainerName'))",
  tablesDeployment: "resourceId('Microsoft.Resources/deployments', variables('tablesDeploymentName'))",
  scheduler: "resourceId('Microsoft.DurableTask/schedulers', variables('schedulerName'))",
};

const USE_DTS = "variables('useDurableTaskScheduler')";
const byBackend = (dts: string, azureStorage: string): string =>
  expr(`if(${USE_DTS}, ${dts}, ${azureStorage})`);

const expr = (text: string): string => `[${text}]`;

/** DCR n's name variable: DCR 1 keeps the single DCR's old name, so an existing deployment keeps its id. */
const dcrNameVariable = (index: number): string => (index === 1 ? "dcrName" : `dcr${index}Name`);
const dcrId = (index: number): string =>
  `resourceId('Microsoft.Insights/dataCollectionRules', variables('${dcrNameVariable(index)}'))`;
const dcrImmutableId = (index: number): string => `reference(${dcrId(index)}, '${API.dcr}').immutableId`;
const quote = (text: string): string => `'${text.replace(/'/g, "''")}'`;

function roleAssignment(options: {
  role: string;
  scope: string;
  scopeId: string;
  dependsOn: string[];
}): JsonObject {
  return {
    type: "Microsoft.Authorization/roleAssignments",
    apiVersion: API.roles,
    name: expr(`guid(${options.scopeId}, ${id.site}, ${quote(options.role)})`),
    scope: options.scope,
    properties: {
      roleDefinitionId: expr(
        `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${quote(options.role)})`,
      ),
      principalId: expr(`reference(${id.site}, '${API.web}', 'Full').identity.principalId`),
      principalType: "ServicePrincipal",
    },
    dependsOn: [expr(id.site), ...options.dependsOn],
  };
}

/** `siem-cg=<name>,siem-ci=<name>,…` for MIMECAST_TABLE_NAMES, with each table's (possibly renamed) name. */
function tableNamesSettingExpression(entries: readonly TableEntry[]): string {
  const pairs: string[] = [];
  const args: string[] = [];
  entries.forEach((entry) => {
    if (entry.feedIds.length === 0) return;
    const index = args.length;
    args.push(`variables('tableNames')[${quote(entry.table)}]`);
    for (const feedId of entry.feedIds) pairs.push(`${feedId}={${index}}`);
  });
  return expr(`format(${quote(pairs.join(","))}, ${args.join(", ")})`);
}

/** A (possibly renamed) table's stream name: ARM computes it from the tableNames variable. */
const streamOf = (table: string): string => `format('Custom-{0}', variables('tableNames')[${quote(table)}])`;

/** DCR n's streamDeclarations keyed by each (possibly renamed) table's stream: ARM cannot compute object keys otherwise. */
function streamDeclarationsExpression(dcr: GeneratedDcr): string {
  const pairs = dcr.tables.map(
    (table) =>
      `${streamOf(table)}, variables('dcrs')[${dcr.index - 1}].properties.streamDeclarations[${quote(`Custom-${table}`)}]`,
  );
  return expr(`createObject(${pairs.join(", ")})`);
}

/** MIMECAST_DCR_ROUTES: `<table>=<immutable id>` for every table whose stream a DCR after the first declares. */
function dcrRoutesExpression(dcrs: readonly GeneratedDcr[]): string {
  const pairs: string[] = [];
  const args: string[] = [];
  for (const dcr of dcrs.slice(1)) {
    const ruleArg = args.length;
    args.push(dcrImmutableId(dcr.index));
    for (const table of dcr.tables.filter((table) => !dcrs[0]!.tables.includes(table))) {
      pairs.push(`{${args.length}}={${ruleArg}}`);
      args.push(`variables('tableNames')[${quote(table)}]`);
    }
  }
  return pairs.length === 0 ? "" : expr(`format(${quote(pairs.join(","))}, ${args.join(", ")})`);
}

/** One DCR resource: its streams and an identity data flow per table, into the one workspace. */
function dcrResource(dcr: GeneratedDcr): JsonObject {
  const properties = `variables('dcrs')[${dcr.index - 1}].properties`;
  return {
    type: "Microsoft.Insights/dataCollectionRules",
    apiVersion: API.dcr,
    name: expr(`variables('${dcrNameVariable(dcr.index)}')`),
    location: expr("parameters('location')"),
    properties: {
      dataCollectionEndpointId: expr(id.dce),
      streamDeclarations: streamDeclarationsExpression(dcr),
      destinations: expr(`${properties}.destinations`),
      dataFlows: dcr.tables.map((table, flow) => ({
        streams: [expr(streamOf(table))],
        destinations: expr(`${properties}.dataFlows[${flow}].destinations`),
        transformKql: expr(`${properties}.dataFlows[${flow}].transformKql`),
        outputStream: expr(streamOf(table)),
      })),
    },
    dependsOn: [expr(id.dce), expr(id.tablesDeployment)],
  };
}

const setting = (name: string, value: string): JsonObject => ({ name, value });
const forApi = (version: "1.0" | "2.0", value: string): string =>
  expr(`if(equals(parameters('mimecastApiVersion'), ${quote(version)}), ${value}, '')`);

function appSettings(dcrs: readonly GeneratedDcr[]): JsonObject[] {
  const storage = `reference(${id.storage}, '${API.storage}').primaryEndpoints`;
  return [
    // Identity-based host storage (also the Durable task hub): service URIs come from the account, so
    // every cloud works; no key or connection string anywhere.
    setting("AzureWebJobsStorage__blobServiceUri", expr(`${storage}.blob`)),
    setting("AzureWebJobsStorage__queueServiceUri", expr(`${storage}.queue`)),
    setting("AzureWebJobsStorage__tableServiceUri", expr(`${storage}.table`)),
    setting("AzureWebJobsStorage__credential", "managedidentity"),
    // The Durable backend: host.json names Azure Storage; with the Durable Task Scheduler these overrides
    // switch the provider to azureManaged and point it at the scheduler (identity-based, no secret). Both
    // connection keys are set so whichever name the provider reads finds the scheduler.
    setting(`${STORAGE_PROVIDER}__type`, byBackend("'azureManaged'", "'AzureStorage'")),
    setting(
      `${STORAGE_PROVIDER}__connectionStringName`,
      byBackend(quote(DTS_CONNECTION_SETTING), "'AzureWebJobsStorage'"),
    ),
    setting(
      `${STORAGE_PROVIDER}__connectionName`,
      byBackend(quote(DTS_CONNECTION_SETTING), "'AzureWebJobsStorage'"),
    ),
    setting(
      DTS_CONNECTION_SETTING,
      byBackend(
        `format('Endpoint={0};Authentication=ManagedIdentity', reference(${id.scheduler}, '${API.durableTask}').endpoint)`,
        "''",
      ),
    ),
    setting(
      "APPLICATIONINSIGHTS_CONNECTION_STRING",
      expr(`reference(${id.insights}, '${API.insights}').ConnectionString`),
    ),
    setting("MIMECAST_API_VERSION", expr("parameters('mimecastApiVersion')")),
    setting("MIMECAST_BASE_URL", expr("parameters('mimecastBaseUrl')")),
    setting("MIMECAST_CLIENT_ID", forApi("2.0", "parameters('mimecastClientId')")),
    setting("MIMECAST_APP_ID", forApi("1.0", "parameters('mimecastAppId')")),
    setting("MIMECAST_KEY_VAULT_URI", expr(`reference(${id.vault}, '${API.keyVault}').vaultUri`)),
    ...(["2.0", "1.0"] as const).flatMap((version) =>
      VAULT_SECRETS[version].map((secret) => setting(secret.setting, forApi(version, quote(secret.name)))),
    ),
    setting("MIMECAST_SINK", "logs-ingestion"),
    setting("MIMECAST_DCE_ENDPOINT", expr(`reference(${id.dce}, '${API.dcr}').logsIngestion.endpoint`)),
    setting("MIMECAST_DCR_IMMUTABLE_ID", expr(dcrImmutableId(1))),
    // Azure caps a DCR at 10 streams: which of the other DCRs holds each remaining table.
    ...(dcrs.length > 1 ? [setting("MIMECAST_DCR_ROUTES", dcrRoutesExpression(dcrs))] : []),
    // https://monitor.azure.com, .us or .cn: derived from the cloud the template is deployed to.
    // The workspace GUID the STIX upload API addresses; empty (= no upload, MimecastThreatIntel_CL only)
    // when the user opts out. The workspace exists before deployment, so reference() needs its API version.
    setting(
      "MIMECAST_TI_WORKSPACE_ID",
      expr(
        `if(parameters('uploadThreatIntelToSentinel'), reference(variables('workspaceResourceId'), '${API.workspace}').customerId, '')`,
      ),
    ),
    setting("MIMECAST_LOGS_INGESTION_AUDIENCE", expr("replace(environment().portal, 'portal', 'monitor')")),
    setting("MIMECAST_TABLE_NAMES", expr("variables('tableNamesSetting')")),
    // src/index.ts reads this when it registers the timer trigger (an empty value would register no
    // valid schedule), so it is always set: the parameter, or the connector's default when left empty.
    setting(
      "MIMECAST_SCHEDULE",
      expr(`if(empty(parameters('schedule')), ${quote(DEFAULT_SCHEDULE)}, parameters('schedule'))`),
    ),
    setting("MIMECAST_START_DATE", expr("parameters('startDate')")),
    setting("MIMECAST_FEEDS", expr("parameters('feeds')")),
    setting("MIMECAST_LOG_LEVEL", expr("parameters('logLevel')")),
  ];
}

function parameters(feedIds: readonly string[]): JsonObject {
  const describe = (description: string): JsonObject => ({ description });
  return {
    workspaceName: {
      type: "string",
      metadata: describe(
        "Name of the existing Microsoft Sentinel (Log Analytics) workspace that receives the data.",
      ),
    },
    workspaceResourceGroup: {
      type: "string",
      defaultValue: "[resourceGroup().name]",
      metadata: describe(
        "Resource group of that workspace (same subscription). Default: this deployment's resource group.",
      ),
    },
    location: {
      type: "string",
      defaultValue: "[resourceGroup().location]",
      metadata: describe(
        "Region of the Function App, storage, Key Vault, DCE and DCR. Use the workspace's region: a DCR must be in the same region as its destination workspace.",
      ),
    },
    appName: {
      type: "string",
      defaultValue: "[format('mimecast-{0}', uniqueString(resourceGroup().id))]",
      minLength: 2,
      maxLength: 40,
      metadata: describe("Function App name (globally unique); other resource names derive from it."),
    },
    mimecastApiVersion: {
      type: "string",
      defaultValue: "2.0",
      allowedValues: ["2.0", "1.0"],
      metadata: describe("Mimecast API: 2.0 (client id/secret) or 1.0 (application id and keys, legacy)."),
    },
    mimecastBaseUrl: {
      type: "string",
      defaultValue: "global",
      metadata: describe(
        "Mimecast API host: a region alias (2.0: global, uk, us; 1.0: eu, de, us, usb, ca, za, au, jer) or an https:// URL.",
      ),
    },
    mimecastClientId: {
      type: "string",
      defaultValue: "",
      metadata: describe("API 2.0 client id (leave empty for API 1.0)."),
    },
    mimecastAppId: {
      type: "string",
      defaultValue: "",
      metadata: describe("API 1.0 application id (leave empty for API 2.0)."),
    },
    mimecastSecrets: {
      type: "secureObject",
      metadata: describe(
        'Mimecast secrets, stored in the Key Vault only: {"clientSecret": "…"} for API 2.0, or {"appKey": "…", "accessKey": "…", "secretKey": "…"} for API 1.0.',
      ),
    },
    startDate: {
      type: "string",
      defaultValue: "[dateTimeAdd(utcNow('u'), '-P60D', 'yyyy-MM-dd')]",
      metadata: describe(
        "Where feeds without a checkpoint start (YYYY-MM-DD). Default: 60 days before deployment; empty: 60 days before the app first starts.",
      ),
    },
    schedule: {
      type: "string",
      defaultValue: DEFAULT_SCHEDULE,
      metadata: describe(
        `Six-field NCRONTAB schedule (second minute hour day month day-of-week), UTC. Empty: ${DEFAULT_SCHEDULE}. Read when the app starts: changing the MIMECAST_SCHEDULE app setting later takes effect after a restart.`,
      ),
    },
    feeds: {
      type: "string",
      defaultValue: "all",
      metadata: describe(`Feeds to ingest: all, or feed ids separated by commas (${feedIds.join(", ")}).`),
    },
    tableNames: {
      type: "object",
      defaultValue: {},
      metadata: describe(
        'Destination table overrides keyed by default table name, e.g. {"Ttp_Url_CL": "MimecastTTPUrl_CL"}. Tables are created or updated with the connector\'s columns.',
      ),
    },
    tablePlans: {
      type: "object",
      defaultValue: {},
      metadata: describe(
        'Table plan per table, keyed by default table name: Analytics (default), Basic or Auxiliary, e.g. {"Seg_Cg_CL": "Basic"}. Scheduled rules cannot query Basic or Auxiliary tables: pass the same object to sentinelContent.json, which then skips the rules that read them. See docs/deployment.md.',
      ),
    },
    tableRetention: {
      type: "object",
      defaultValue: {},
      metadata: describe(
        'Retention per table, keyed by default table name, e.g. {"Seg_Cg_CL": {"retentionInDays": 30, "totalRetentionInDays": 365}}. retentionInDays (interactive, 4-730, Analytics only) and totalRetentionInDays (up to 4383 with long-term retention); -1 or absent: the workspace default.',
      ),
    },
    uploadThreatIntelToSentinel: {
      type: "bool",
      defaultValue: true,
      metadata: describe(
        "Also upload Mimecast threat-intel indicators to Microsoft Sentinel threat intelligence (sets MIMECAST_TI_WORKSPACE_ID and grants Microsoft Sentinel Contributor on the workspace). false: indicators go to MimecastThreatIntel_CL only, and no role is granted on the workspace.",
      ),
    },
    durableBackend: {
      type: "string",
      defaultValue: "azureStorage",
      allowedValues: ["azureStorage", "durableTaskScheduler"],
      metadata: describe(
        "Where Durable Functions keeps orchestration state: azureStorage (queues and tables in the app's storage account) or durableTaskScheduler (a Durable Task Scheduler, Consumption SKU, and task hub; dashboard included). See docs/deployment.md.",
      ),
    },
    logLevel: {
      type: "string",
      defaultValue: "info",
      allowedValues: ["debug", "info", "warn", "error"],
      metadata: describe("Lowest level the connector logs."),
    },
  };
}

function tablesDeployment(): JsonObject {
  const table = "parameters('tables')[copyIndex()]";
  const name = `parameters('tableNames')[${table}.name]`;
  const plan = `parameters('tablePlans')[${table}.name]`;
  const retention = `parameters('tableRetention')[${table}.name]`;
  return {
    type: "Microsoft.Resources/deployments",
    apiVersion: API.deployments,
    name: expr("variables('tablesDeploymentName')"),
    resourceGroup: expr("parameters('workspaceResourceGroup')"),
    properties: {
      mode: "Incremental",
      expressionEvaluationOptions: { scope: "inner" },
      parameters: {
        workspaceName: { value: expr("parameters('workspaceName')") },
        tables: { value: expr("variables('tables')") },
        tableNames: { value: expr("variables('tableNames')") },
        tablePlans: { value: expr("variables('tablePlans')") },
        tableRetention: { value: expr("variables('tableRetention')") },
      },
      template: {
        $schema: SCHEMA,
        contentVersion: "1.0.0.0",
        parameters: {
          workspaceName: { type: "string" },
          tables: { type: "array" },
          tableNames: { type: "object" },
          tablePlans: { type: "object" },
          tableRetention: { type: "object" },
        },
        resources: [
          {
            type: "Microsoft.OperationalInsights/workspaces/tables",
            apiVersion: API.tables,
            name: expr(`format('{0}/{1}', parameters('workspaceName'), ${name})`),
            copy: { name: "tables", count: expr("length(parameters('tables'))") },
            properties: {
              plan: expr(plan),
              // Interactive retention is settable on Analytics only (Basic/Auxiliary: fixed, read-only).
              retentionInDays: expr(
                `if(equals(${plan}, 'Analytics'), ${retention}.retentionInDays, json('null'))`,
              ),
              totalRetentionInDays: expr(`${retention}.totalRetentionInDays`),
              schema: { name: expr(name), columns: expr(`${table}.properties.schema.columns`) },
            },
          },
        ],
      },
    },
  };
}

function workspaceRoleDeployment(): JsonObject {
  const workspaceId = "resourceId('Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))";
  return {
    type: "Microsoft.Resources/deployments",
    apiVersion: API.deployments,
    name: expr("format('{0}-sentinel-role', parameters('appName'))"),
    // Only the threat-intel upload needs a role on the workspace: opting out grants nothing there.
    condition: expr("parameters('uploadThreatIntelToSentinel')"),
    resourceGroup: expr("parameters('workspaceResourceGroup')"),
    dependsOn: [expr(id.site)],
    properties: {
      mode: "Incremental",
      expressionEvaluationOptions: { scope: "inner" },
      parameters: {
        workspaceName: { value: expr("parameters('workspaceName')") },
        principalId: { value: expr(`reference(${id.site}, '${API.web}', 'Full').identity.principalId`) },
      },
      template: {
        $schema: SCHEMA,
        contentVersion: "1.0.0.0",
        parameters: { workspaceName: { type: "string" }, principalId: { type: "string" } },
        resources: [
          {
            // Sentinel's STIX objects upload API (threat-intel feeds) authorizes on the workspace.
            type: "Microsoft.Authorization/roleAssignments",
            apiVersion: API.roles,
            name: expr(
              `guid(${workspaceId}, parameters('principalId'), ${quote(ROLES.sentinelContributor)})`,
            ),
            scope: expr(
              "format('Microsoft.OperationalInsights/workspaces/{0}', parameters('workspaceName'))",
            ),
            properties: {
              roleDefinitionId: expr(
                `subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ${quote(ROLES.sentinelContributor)})`,
              ),
              principalId: expr("parameters('principalId')"),
              principalType: "ServicePrincipal",
            },
          },
        ],
      },
    },
  };
}

export function buildTemplate(
  entries: readonly TableEntry[],
  dcrs: readonly GeneratedDcr[],
  tables: readonly GeneratedTable[],
  feedIds: readonly string[],
): JsonObject {
  const storageScope = expr(
    "format('Microsoft.Storage/storageAccounts/{0}', variables('storageAccountName'))",
  );
  const secrets = "variables('vaultSecrets')[parameters('mimecastApiVersion')]";
  return {
    $schema: SCHEMA,
    contentVersion: "1.0.0.0",
    metadata: {
      description:
        "Mimecast → Microsoft Sentinel connector (Azure Durable Functions on Flex Consumption) into an existing Sentinel workspace. Generated by scripts/gen-infra.ts: do not edit by hand.",
    },
    parameters: parameters(feedIds),
    variables: {
      workspaceResourceId: expr(
        "resourceId(parameters('workspaceResourceGroup'), 'Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))",
      ),
      suffix: expr("uniqueString(resourceGroup().id, parameters('appName'))"),
      storageAccountName: expr("take(format('mcs{0}', variables('suffix')), 24)"),
      keyVaultName: expr("take(format('kv-mcs-{0}', variables('suffix')), 24)"),
      planName: expr("format('{0}-plan', parameters('appName'))"),
      appInsightsName: expr("format('{0}-insights', parameters('appName'))"),
      dceName: expr("format('{0}-dce', parameters('appName'))"),
      dcrName: expr("format('{0}-dcr', parameters('appName'))"),
      ...Object.fromEntries(
        dcrs
          .slice(1)
          .map((dcr) => [
            dcrNameVariable(dcr.index),
            expr(`format('{0}-dcr-${dcr.index}', parameters('appName'))`),
          ]),
      ),
      tablesDeploymentName: expr("format('{0}-tables', parameters('appName'))"),
      useDurableTaskScheduler: expr("equals(parameters('durableBackend'), 'durableTaskScheduler')"),
      schedulerName: expr("take(format('{0}-dts', parameters('appName')), 64)"),
      deploymentContainerName: "app-package",
      vaultSecrets: VAULT_SECRETS as unknown as Json,
      defaultTableNames: Object.fromEntries(entries.map((entry) => [entry.table, entry.table])),
      tableNames: expr("union(variables('defaultTableNames'), parameters('tableNames'))"),
      tableNamesSetting: tableNamesSettingExpression(entries),
      // Every table on Analytics with the workspace's retention (-1) unless tablePlans/tableRetention say otherwise.
      defaultTablePlans: Object.fromEntries(entries.map((entry) => [entry.table, "Analytics"])),
      tablePlans: expr("union(variables('defaultTablePlans'), parameters('tablePlans'))"),
      defaultTableRetention: Object.fromEntries(
        entries.map((entry) => [entry.table, { retentionInDays: -1, totalRetentionInDays: -1 }]),
      ),
      tableRetention: expr("union(variables('defaultTableRetention'), parameters('tableRetention'))"),
      dcrs: dcrs as unknown as Json,
      tables: tables as unknown as Json,
    },
    resources: [
      {
        type: "Microsoft.Storage/storageAccounts",
        apiVersion: API.storage,
        name: expr("variables('storageAccountName')"),
        location: expr("parameters('location')"),
        sku: { name: "Standard_LRS" },
        kind: "StorageV2",
        properties: {
          allowSharedKeyAccess: false,
          allowBlobPublicAccess: false,
          minimumTlsVersion: "TLS1_2",
          supportsHttpsTrafficOnly: true,
          defaultToOAuthAuthentication: true,
        },
      },
      {
        type: "Microsoft.Storage/storageAccounts/blobServices/containers",
        apiVersion: API.storage,
        name: expr(
          "format('{0}/default/{1}', variables('storageAccountName'), variables('deploymentContainerName'))",
        ),
        properties: { publicAccess: "None" },
        dependsOn: [expr(id.storage)],
      },
      {
        type: "Microsoft.Insights/components",
        apiVersion: API.insights,
        name: expr("variables('appInsightsName')"),
        location: expr("parameters('location')"),
        kind: "web",
        properties: {
          Application_Type: "web",
          WorkspaceResourceId: expr("variables('workspaceResourceId')"),
        },
      },
      {
        type: "Microsoft.KeyVault/vaults",
        apiVersion: API.keyVault,
        name: expr("variables('keyVaultName')"),
        location: expr("parameters('location')"),
        properties: {
          tenantId: expr("subscription().tenantId"),
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          publicNetworkAccess: "Enabled",
        },
      },
      {
        type: "Microsoft.KeyVault/vaults/secrets",
        apiVersion: API.keyVault,
        name: expr(`format('{0}/{1}', variables('keyVaultName'), ${secrets}[copyIndex()].name)`),
        copy: { name: "secrets", count: expr(`length(${secrets})`) },
        properties: { value: expr(`parameters('mimecastSecrets')[${secrets}[copyIndex()].key]`) },
        dependsOn: [expr(id.vault)],
      },
      {
        type: "Microsoft.Insights/dataCollectionEndpoints",
        apiVersion: API.dcr,
        name: expr("variables('dceName')"),
        location: expr("parameters('location')"),
        properties: { networkAcls: { publicNetworkAccess: "Enabled" } },
      },
      tablesDeployment(),
      ...dcrs.map(dcrResource),
      {
        type: "Microsoft.DurableTask/schedulers",
        apiVersion: API.durableTask,
        name: expr("variables('schedulerName')"),
        condition: expr(USE_DTS),
        location: expr("parameters('location')"),
        // An empty allow-list denies every caller; access is by identity (the role below).
        properties: { sku: { name: "Consumption" }, ipAllowlist: ["0.0.0.0/0"] },
      },
      {
        type: "Microsoft.DurableTask/schedulers/taskHubs",
        apiVersion: API.durableTask,
        name: expr(`format('{0}/{1}', variables('schedulerName'), ${quote(TASK_HUB_NAME)})`),
        condition: expr(USE_DTS),
        properties: {},
        dependsOn: [expr(id.scheduler)],
      },
      {
        type: "Microsoft.Web/serverfarms",
        apiVersion: API.web,
        name: expr("variables('planName')"),
        location: expr("parameters('location')"),
        kind: "functionapp",
        sku: { name: "FC1", tier: "FlexConsumption" },
        properties: { reserved: true },
      },
      {
        type: "Microsoft.Web/sites",
        apiVersion: API.web,
        name: expr("parameters('appName')"),
        location: expr("parameters('location')"),
        kind: "functionapp,linux",
        identity: { type: "SystemAssigned" },
        properties: {
          serverFarmId: expr(id.plan),
          httpsOnly: true,
          functionAppConfig: {
            deployment: {
              storage: {
                type: "blobContainer",
                value: expr(
                  `concat(reference(${id.storage}, '${API.storage}').primaryEndpoints.blob, variables('deploymentContainerName'))`,
                ),
                authentication: { type: "SystemAssignedIdentity" },
              },
            },
            scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 },
            runtime: { name: "node", version: "22" },
          },
          siteConfig: { minTlsVersion: "1.2", ftpsState: "Disabled", appSettings: appSettings(dcrs) },
        },
        dependsOn: [
          expr(id.plan),
          expr(id.storage),
          expr(id.container),
          expr(id.insights),
          expr(id.vault),
          expr(id.dce),
          ...dcrs.map((dcr) => expr(dcrId(dcr.index))),
          expr(id.scheduler),
        ],
      },
      roleAssignment({
        role: ROLES.storageBlobDataOwner,
        scope: storageScope,
        scopeId: id.storage,
        dependsOn: [expr(id.storage)],
      }),
      roleAssignment({
        role: ROLES.storageQueueDataContributor,
        scope: storageScope,
        scopeId: id.storage,
        dependsOn: [expr(id.storage)],
      }),
      roleAssignment({
        role: ROLES.storageTableDataContributor,
        scope: storageScope,
        scopeId: id.storage,
        dependsOn: [expr(id.storage)],
      }),
      {
        ...roleAssignment({
          role: ROLES.durableTaskDataContributor,
          scope: expr("format('Microsoft.DurableTask/schedulers/{0}', variables('schedulerName'))"),
          scopeId: id.scheduler,
          dependsOn: [expr(id.scheduler)],
        }),
        condition: expr(USE_DTS),
      },
      roleAssignment({
        role: ROLES.keyVaultSecretsUser,
        scope: expr("format('Microsoft.KeyVault/vaults/{0}', variables('keyVaultName'))"),
        scopeId: id.vault,
        dependsOn: [expr(id.vault)],
      }),
      ...dcrs.map((dcr) =>
        roleAssignment({
          role: ROLES.monitoringMetricsPublisher,
          scope: expr(
            `format('Microsoft.Insights/dataCollectionRules/{0}', variables('${dcrNameVariable(dcr.index)}'))`,
          ),
          scopeId: dcrId(dcr.index),
          dependsOn: [expr(dcrId(dcr.index))],
        }),
      ),
      workspaceRoleDeployment(),
    ],
    outputs: {
      functionAppName: { type: "string", value: expr("parameters('appName')") },
      dataCollectionEndpoint: {
        type: "string",
        value: expr(`reference(${id.dce}, '${API.dcr}').logsIngestion.endpoint`),
      },
      dataCollectionRuleImmutableId: { type: "string", value: expr(dcrImmutableId(1)) },
      ...(dcrs.length > 1
        ? { dataCollectionRuleRoutes: { type: "string", value: dcrRoutesExpression(dcrs) } }
        : {}),
      keyVaultUri: { type: "string", value: expr(`reference(${id.vault}, '${API.keyVault}').vaultUri`) },
      deploymentStorageAccount: { type: "string", value: expr("variables('storageAccountName')") },
    },
  };
}

// ── Portal form ─────────────────────────────────────────────────────────────────────────────────

/** A createUiDefinition string expression escaped for embedding in a JSON string literal. */
const jsonEscaped = (value: string): string => `replace(replace(${value}, '\\', '\\\\'), '"', '\\"')`;

/** Control name for a table's textbox: letters and digits only. */
export const tableControlName = (table: string): string => `table${table.replace(/[^A-Za-z0-9]/g, "")}`;

export function buildUiDefinition(entries: readonly TableEntry[], feedIds: readonly string[]): JsonObject {
  const mimecast = (name: string): string => `steps('mimecast').${name}`;
  const isV2 = `equals(${mimecast("apiVersion")}, '2.0')`;
  const v2Secrets = `parse(concat('{"clientSecret":"', ${jsonEscaped(mimecast("clientSecret"))}, '"}'))`;
  const v1Secrets = `parse(concat('{"appKey":"', ${jsonEscaped(mimecast("appKey"))}, '","accessKey":"', ${jsonEscaped(mimecast("accessKey"))}, '","secretKey":"', ${jsonEscaped(mimecast("secretKey"))}, '"}'))`;
  const tablePairs = entries.map(
    (entry, index) =>
      `'${index === 0 ? "" : ","}"${entry.table}":"', steps('tables').${tableControlName(entry.table)}, '"'`,
  );
  const password = (name: string, label: string, visible: string): JsonObject => ({
    name,
    type: "Microsoft.Common.PasswordBox",
    label: { password: label },
    options: { hideConfirmation: true },
    constraints: { required: true },
    visible,
  });
  return {
    $schema: "https://schema.management.azure.com/schemas/0.1.2-preview/CreateUIDefinition.MultiVm.json#",
    handler: "Microsoft.Azure.CreateUIDef",
    version: "0.1.2-preview",
    parameters: {
      config: {
        isWizard: false,
        basics: {
          description:
            "Mimecast → Microsoft Sentinel connector. Deploys into an existing Sentinel workspace; choose the workspace's region.",
        },
      },
      basics: [
        {
          name: "workspace",
          type: "Microsoft.Solutions.ResourceSelector",
          label: "Microsoft Sentinel workspace",
          resourceType: "Microsoft.OperationalInsights/workspaces",
          constraints: { required: true },
        },
        {
          name: "appName",
          type: "Microsoft.Common.TextBox",
          label: "Function App name",
          defaultValue: "",
          toolTip: "Globally unique. Leave empty for a generated name.",
          constraints: {
            required: false,
            regex: "^$|^[A-Za-z0-9][A-Za-z0-9-]{0,38}[A-Za-z0-9]$",
            validationMessage: "2-40 letters, digits or hyphens.",
          },
        },
      ],
      steps: [
        {
          name: "mimecast",
          label: "Mimecast API",
          elements: [
            {
              name: "apiVersion",
              type: "Microsoft.Common.DropDown",
              label: "API version",
              defaultValue: "2.0 (client id and secret)",
              constraints: {
                allowedValues: [
                  { label: "2.0 (client id and secret)", value: "2.0" },
                  { label: "1.0 (application id and keys)", value: "1.0" },
                ],
                required: true,
              },
            },
            {
              name: "baseUrl",
              type: "Microsoft.Common.TextBox",
              label: "Base URL or region",
              defaultValue: "global",
              toolTip: "2.0: global, uk, us. 1.0: eu, de, us, usb, ca, za, au, jer. Or an https:// URL.",
              constraints: { required: true },
            },
            {
              name: "clientId",
              type: "Microsoft.Common.TextBox",
              label: "Client id",
              constraints: { required: true },
              visible: expr(isV2),
            },
            password("clientSecret", "Client secret", expr(isV2)),
            {
              name: "appId",
              type: "Microsoft.Common.TextBox",
              label: "Application id",
              constraints: { required: true },
              visible: expr(`not(${isV2})`),
            },
            password("appKey", "Application key", expr(`not(${isV2})`)),
            password("accessKey", "Access key", expr(`not(${isV2})`)),
            password("secretKey", "Secret key", expr(`not(${isV2})`)),
          ],
        },
        {
          name: "ingestion",
          label: "Schedule and feeds",
          elements: [
            {
              name: "startDate",
              type: "Microsoft.Common.TextBox",
              label: "Start date (YYYY-MM-DD)",
              toolTip: "Where feeds without a checkpoint start. Leave empty for 60 days before deployment.",
              constraints: {
                required: false,
                regex: "^$|^\\d{4}-\\d{2}-\\d{2}$",
                validationMessage: "YYYY-MM-DD",
              },
            },
            {
              name: "schedule",
              type: "Microsoft.Common.TextBox",
              label: "Schedule (6-field cron, UTC)",
              defaultValue: DEFAULT_SCHEDULE,
              toolTip: "Read when the app starts: after changing MIMECAST_SCHEDULE later, restart the app.",
              constraints: {
                required: true,
                regex: "^\\S+( \\S+){5}$",
                validationMessage: "Six fields: second minute hour day month day-of-week.",
              },
            },
            {
              name: "feeds",
              type: "Microsoft.Common.TextBox",
              label: "Feeds",
              defaultValue: "all",
              toolTip: `all, or feed ids separated by commas: ${feedIds.join(", ")}`,
              constraints: { required: true },
            },
            {
              name: "uploadThreatIntel",
              type: "Microsoft.Common.OptionsGroup",
              label: "Upload threat intel to Sentinel",
              defaultValue: "Yes",
              toolTip:
                "Also upload Mimecast threat-intel indicators to Microsoft Sentinel threat intelligence (grants the app Microsoft Sentinel Contributor on the workspace). No: they go to MimecastThreatIntel_CL only.",
              constraints: {
                allowedValues: [
                  { label: "Yes", value: true },
                  { label: "No", value: false },
                ],
                required: true,
              },
            },
            {
              name: "durableBackend",
              type: "Microsoft.Common.DropDown",
              label: "Durable Functions backend",
              defaultValue: "Azure Storage",
              toolTip:
                "Azure Storage: state in the app's storage account (cheapest at this connector's volume). Durable Task Scheduler: a managed backend with a monitoring dashboard (Consumption SKU). See docs/deployment.md.",
              constraints: {
                allowedValues: [
                  { label: "Azure Storage", value: "azureStorage" },
                  { label: "Durable Task Scheduler", value: "durableTaskScheduler" },
                ],
                required: true,
              },
            },
            {
              name: "logLevel",
              type: "Microsoft.Common.DropDown",
              label: "Log level",
              defaultValue: "info",
              constraints: {
                allowedValues: ["debug", "info", "warn", "error"].map((level) => ({
                  label: level,
                  value: level,
                })),
                required: true,
              },
            },
          ],
        },
        {
          name: "tables",
          label: "Tables",
          elements: entries.map((entry) => ({
            name: tableControlName(entry.table),
            type: "Microsoft.Common.TextBox",
            label: entry.feedIds.length > 0 ? `${entry.table} (${entry.feedIds.join(", ")})` : entry.table,
            defaultValue: entry.table,
            constraints: {
              required: true,
              regex: "^[A-Za-z][A-Za-z0-9_]{0,44}_CL$",
              validationMessage: "A letter, then letters, digits or _, ending in _CL.",
            },
          })),
        },
      ],
      outputs: {
        workspaceName: expr("basics('workspace').name"),
        workspaceResourceGroup: expr("last(take(split(basics('workspace').id, '/'), 5))"),
        location: expr("location()"),
        appName: expr(
          "if(empty(basics('appName')), concat('mimecast-', take(guid(), 12)), basics('appName'))",
        ),
        mimecastApiVersion: expr(mimecast("apiVersion")),
        mimecastBaseUrl: expr(mimecast("baseUrl")),
        mimecastClientId: expr(`if(${isV2}, ${mimecast("clientId")}, '')`),
        mimecastAppId: expr(`if(${isV2}, '', ${mimecast("appId")})`),
        mimecastSecrets: expr(`if(${isV2}, ${v2Secrets}, ${v1Secrets})`),
        // Empty: the app's own default (60 days before its first start).
        startDate: expr("steps('ingestion').startDate"),
        schedule: expr("steps('ingestion').schedule"),
        feeds: expr("steps('ingestion').feeds"),
        uploadThreatIntelToSentinel: expr("steps('ingestion').uploadThreatIntel"),
        logLevel: expr("steps('ingestion').logLevel"),
        durableBackend: expr("steps('ingestion').durableBackend"),
        // Per-table plans and retention are command-line parameters (docs/deployment.md); the form keeps defaults.
        tablePlans: expr("parse('{}')"),
        tableRetention: expr("parse('{}')"),
        tableNames: expr(`parse(concat('{', ${tablePairs.join(", ")}, '}'))`),
      },
    },
  };
}
