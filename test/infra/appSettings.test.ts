/**
 * What the Function App actually starts with: the template's app settings (test/infra/appEnvironment.ts)
 * fed to the connector's own loadConfig — the same validation the app runs at start-up.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { loadConfig, SETTING_NAMES } from "../../src/config";
import { settingSchema } from "../../src/config/schema";
import { SecretRedactor } from "../../src/shared/logger";
import { DEFAULT_SCHEDULE } from "../../scripts/infra/template";
import { callsOf, evaluate, isOpaque, literal } from "./arm";
import type { ArmResource, ArmValue } from "./arm";
import { appEnvironment, evaluatedSettings, readRepoFile, template } from "./appEnvironment";
import type { Parameters } from "./appEnvironment";

/** Fixed "now" for loadConfig (the start date must not be in the future). */
const NOW = Date.parse("2025-06-01T00:00:00Z");

const sentinelRoleDeployment = template.resources.find(
  (r) =>
    r.type === "Microsoft.Resources/deployments" &&
    (r.properties?.template?.resources ?? []).some(
      (inner: ArmResource) => inner.type === "Microsoft.Authorization/roleAssignments",
    ),
)!;

const V2: Parameters = { workspaceName: "sentinel-ws", mimecastClientId: "client-id" };
const V1: Parameters = {
  workspaceName: "sentinel-ws",
  mimecastApiVersion: "1.0",
  mimecastAppId: "app-id",
  mimecastBaseUrl: "eu",
};

const isSet = (value: ArmValue | undefined): boolean =>
  value !== undefined && (isOpaque(value) || (typeof value === "string" && value.trim() !== ""));

describe("app settings the template gives the Function App", () => {
  for (const [mode, parameters] of [
    ["API 2.0", V2],
    ["API 1.0", V1],
  ] as const) {
    test(`${mode}: the connector's own start-up validation accepts them, with no warning`, () => {
      const config = loadConfig(appEnvironment(parameters), NOW, { redactor: new SecretRedactor() });
      assert.deepEqual(config.warnings, []);
      assert.equal(config.sink.kind, "logs-ingestion");
      assert.equal(config.ingestion.schedule, DEFAULT_SCHEDULE);
      assert.ok(config.threatIntelUpload, "threat-intel upload is on by default");
    });

    test(`${mode}: every setting required for the mode and without a default is set (a secret by its Key Vault name)`, () => {
      const values = evaluatedSettings(parameters);
      const mode = {
        MIMECAST_API_VERSION: values.get("MIMECAST_API_VERSION"),
        MIMECAST_SINK: values.get("MIMECAST_SINK"),
      };
      const required = SETTING_NAMES.filter((name) => {
        const schema = settingSchema(name);
        const when = schema["x-requiredWhen"];
        return (
          schema.default === undefined &&
          when !== undefined &&
          Object.entries(when).every(([other, value]) => mode[other as keyof typeof mode] === value)
        );
      });
      assert.ok(required.includes("MIMECAST_DCE_ENDPOINT"), "logs-ingestion settings are required");
      for (const name of required) {
        const vaultName = settingSchema(name)["x-keyVaultName"];
        assert.ok(
          isSet(values.get(name)) || (vaultName !== undefined && isSet(values.get(vaultName))),
          `${name} is required for API ${JSON.stringify(mode.MIMECAST_API_VERSION)} but the template does not set it`,
        );
        for (const needed of vaultName ? (settingSchema(vaultName)["x-requires"] ?? []) : [])
          assert.ok(isSet(values.get(needed)), `${vaultName} needs ${needed}`);
      }
    });
  }

  test("every setting without a default that the template never sets is documented as optional", () => {
    const setSomewhere = new Set(
      [V2, V1, { ...V2, uploadThreatIntelToSentinel: true }].flatMap((parameters) =>
        [...evaluatedSettings(parameters)].filter(([, value]) => isSet(value)).map(([name]) => name),
      ),
    );
    const doc = readRepoFile("docs/deployment.md");
    const section = doc.slice(doc.indexOf("## Settings the template does not set"));
    assert.ok(
      section.length < doc.length,
      "docs/deployment.md has a 'Settings the template does not set' section",
    );
    const unset = SETTING_NAMES.filter((name) => {
      const schema = settingSchema(name);
      return schema.default === undefined && schema["x-default"] === undefined && !setSomewhere.has(name);
    });
    assert.ok(unset.includes("AZURE_CLIENT_ID"), "sanity: the system-assigned identity needs no client id");
    for (const name of unset)
      assert.ok(section.includes(`\`${name}\``), `${name} is not documented as optional`);
  });

  test("the Logs Ingestion audience follows the cloud the template is deployed to", () => {
    for (const [portal, audience] of [
      ["https://portal.azure.com", "https://monitor.azure.com"],
      ["https://portal.azure.us", "https://monitor.azure.us"],
      ["https://portal.azure.cn", "https://monitor.azure.cn"],
    ] as const) {
      assert.equal(evaluatedSettings(V2, { portal }).get("MIMECAST_LOGS_INGESTION_AUDIENCE"), audience);
    }
  });
});

describe("threat-intel upload to Sentinel (uploadThreatIntelToSentinel)", () => {
  const parameter = template.parameters?.["uploadThreatIntelToSentinel"];
  const workspaceId = (parameters: Parameters): ArmValue =>
    evaluatedSettings(parameters).get("MIMECAST_TI_WORKSPACE_ID")!;
  const roleDeployed = (parameters: Parameters): ArmValue =>
    evaluate(sentinelRoleDeployment["condition"], template, parameters);

  test("is a bool parameter, on by default", () => {
    assert.equal(parameter?.type, "bool");
    assert.equal(parameter?.defaultValue, true);
  });

  test("on: MIMECAST_TI_WORKSPACE_ID is the chosen workspace's customerId, and the Sentinel role is granted", () => {
    for (const parameters of [V2, { ...V2, uploadThreatIntelToSentinel: true }]) {
      const value = workspaceId(parameters);
      assert.ok(isOpaque(value), "the workspace GUID comes from Azure");
      assert.equal(value.opaque, "reference(variables('workspaceResourceId'), '2022-10-01').customerId");
      assert.equal(roleDeployed(parameters), true);
    }
    // …and that variable is the workspace chosen by workspaceName/workspaceResourceGroup.
    const [args] = callsOf(String(template.variables?.["workspaceResourceId"]).slice(1, -1), "resourceId");
    assert.deepEqual(args, [
      "parameters('workspaceResourceGroup')",
      "'Microsoft.OperationalInsights/workspaces'",
      "parameters('workspaceName')",
    ]);
    const role = sentinelRoleDeployment.properties!.template!.resources[0]!;
    assert.match(
      String((role.properties as { roleDefinitionId: string }).roleDefinitionId),
      /ab8e14d6-4a74-4a29-9ba8-549422addade/,
    );
    assert.equal(
      literal(callsOf(String(sentinelRoleDeployment.resourceGroup), "parameters")[0]?.[0]),
      "workspaceResourceGroup",
    );
  });

  test("off: MIMECAST_TI_WORKSPACE_ID is empty (no upload) and no role is granted on the workspace", () => {
    const off = { ...V2, uploadThreatIntelToSentinel: false };
    assert.equal(workspaceId(off), "");
    assert.equal(roleDeployed(off), false);
    const config = loadConfig(appEnvironment(off), NOW, { redactor: new SecretRedactor() });
    assert.deepEqual(config.warnings, []);
    assert.equal(config.threatIntelUpload, undefined);
  });
});

describe("MIMECAST_SCHEDULE (read when the timer trigger is registered)", () => {
  const schedule = (parameters: Parameters): ArmValue =>
    evaluatedSettings(parameters).get("MIMECAST_SCHEDULE")!;

  test("is always set: the parameter, or the connector's default when the parameter is empty", () => {
    assert.equal(schedule(V2), DEFAULT_SCHEDULE);
    assert.equal(schedule({ ...V2, schedule: "" }), DEFAULT_SCHEDULE);
    assert.equal(schedule({ ...V2, schedule: "0 */15 * * * *" }), "0 */15 * * * *");
  });

  test("the template's default is the connector's default, in the schema and in src/index.ts's fallback", () => {
    assert.equal(template.parameters?.["schedule"]?.defaultValue, DEFAULT_SCHEDULE);
    assert.equal(settingSchema("MIMECAST_SCHEDULE").default, DEFAULT_SCHEDULE);
    assert.ok(
      readRepoFile("src/index.ts").includes(`process.env["MIMECAST_SCHEDULE"] ?? "${DEFAULT_SCHEDULE}"`),
    );
  });

  test("the docs say a changed schedule needs a restart", () => {
    const paragraphs = readRepoFile("docs/deployment.md").split(/\n\s*\n/);
    assert.ok(paragraphs.some((p) => p.includes("`MIMECAST_SCHEDULE`") && /restart/.test(p)));
  });
});

describe("Durable backend (durableBackend): azureStorage or durableTaskScheduler", () => {
  const PROVIDER = "AzureFunctionsJobHost__extensions__durableTask__storageProvider";
  const host = JSON.parse(readRepoFile("host.json")) as {
    extensions: { durableTask: { hubName: string; storageProvider: Record<string, unknown> } };
  };
  const dtsResources = template.resources.filter((r) => r.type.startsWith("Microsoft.DurableTask/"));
  const dtsRole = template.resources.find(
    (r) =>
      r.type === "Microsoft.Authorization/roleAssignments" &&
      String((r.properties as { roleDefinitionId: string }).roleDefinitionId).includes(
        "0ad04412-c4d5-4796-b79c-f76d14c8d402",
      ),
  )!;
  const deployed = (resource: ArmResource, parameters: Parameters): ArmValue =>
    resource["condition"] === undefined ? true : evaluate(resource["condition"], template, parameters);
  const DTS: Parameters = { ...V2, durableBackend: "durableTaskScheduler" };

  test("azureStorage is the default and leaves host.json's Azure Storage provider as it is", () => {
    assert.equal(template.parameters?.["durableBackend"]?.defaultValue, "azureStorage");
    const values = evaluatedSettings(V2);
    assert.equal(values.get(`${PROVIDER}__type`), host.extensions.durableTask.storageProvider["type"]);
    assert.equal(
      values.get(`${PROVIDER}__connectionName`),
      host.extensions.durableTask.storageProvider["connectionName"],
    );
    assert.equal(values.get("DURABLE_TASK_SCHEDULER_CONNECTION_STRING"), "");
    assert.deepEqual(
      dtsResources.map((r) => deployed(r, V2)),
      [false, false],
    );
    assert.equal(deployed(dtsRole, V2), false);
  });

  test("durableTaskScheduler creates the scheduler and task hub, grants the data-plane role, switches the provider", () => {
    assert.deepEqual(
      dtsResources.map((r) => [r.type, deployed(r, DTS)]),
      [
        ["Microsoft.DurableTask/schedulers", true],
        ["Microsoft.DurableTask/schedulers/taskHubs", true],
      ],
    );
    // The task hub is host.json's hubName (the extension connects to the hub it names).
    assert.equal(
      dtsResources[1]!.name,
      `[format('{0}/{1}', variables('schedulerName'), '${host.extensions.durableTask.hubName}')]`,
    );
    assert.equal(deployed(dtsRole, DTS), true);
    assert.match(String(dtsRole.scope), /Microsoft\.DurableTask\/schedulers/);
    const values = evaluatedSettings(DTS);
    assert.equal(values.get(`${PROVIDER}__type`), "azureManaged");
    for (const key of ["connectionStringName", "connectionName"])
      assert.equal(values.get(`${PROVIDER}__${key}`), "DURABLE_TASK_SCHEDULER_CONNECTION_STRING");
    const connection = values.get("DURABLE_TASK_SCHEDULER_CONNECTION_STRING");
    assert.ok(isOpaque(connection), "the scheduler's endpoint comes from Azure");
    assert.match(
      connection.opaque,
      /^format\('Endpoint=\{0\};Authentication=ManagedIdentity', reference\(.*schedulers.*\)\.endpoint\)$/,
    );
    // The connector itself starts the same way on either backend.
    const config = loadConfig(appEnvironment(DTS), NOW, { redactor: new SecretRedactor() });
    assert.deepEqual(config.warnings, []);
  });

  // Microsoft Learn, "Quickstart: Configure a Durable Functions app to use Durable Task Scheduler": non-.NET apps
  // get the azureManaged provider from the standard bundle, version [4.32.0, 5.0.0).
  test("host.json's extension bundle carries the azureManaged provider (4.32.0 or later), as docs/deployment.md says", () => {
    const bundle = (
      JSON.parse(readRepoFile("host.json")) as { extensionBundle: { id: string; version: string } }
    ).extensionBundle;
    assert.equal(bundle.id, "Microsoft.Azure.Functions.ExtensionBundle");
    const range = /^\[(\d+)\.(\d+)\.(\d+), 5\.0\.0\)$/.exec(bundle.version);
    assert.ok(
      range,
      `a pinned v4 range, not ${bundle.version} (a wildcard lower bound admits bundles without the provider)`,
    );
    const [major, minor] = [Number(range[1]), Number(range[2])];
    assert.ok(major === 4 && minor >= 32, `${bundle.version} starts below 4.32.0`);
    const docs = readRepoFile("docs/deployment.md");
    assert.ok(docs.includes(`\`${bundle.version}\``), "docs/deployment.md names the bundle range");
    assert.match(
      docs,
      /learn\.microsoft\.com\/azure\/durable-task\/scheduler\/quickstart-durable-task-scheduler/,
    );
  });

  test("an unknown backend is refused by the template", () => {
    const parameter = template.parameters?.["durableBackend"] as { allowedValues?: string[] } | undefined;
    assert.deepEqual(parameter?.allowedValues, ["azureStorage", "durableTaskScheduler"]);
  });
});
