import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { SETTING_NAMES } from "../../src/config";
import { parseTableNames } from "../../src/config/feedLists";
import { FEEDS } from "../../src/feeds";
import { callsOf, literal, templateScopes } from "./arm";
import type { ArmResource, ArmTemplate } from "./arm";

/** dist/test/infra → repository root. */
const REPO_ROOT = path.resolve(__dirname, "../../..");
const readJson = (file: string): unknown => JSON.parse(readFileSync(path.join(REPO_ROOT, file), "utf8"));

const template = readJson("infra/azuredeploy.json") as ArmTemplate;
const uiDefinition = readJson("infra/createUiDefinition.json") as {
  parameters: { outputs: Record<string, string>; steps: { name: string; elements: { name: string }[] }[] };
};
const generatedDcrs = readJson("infra/generated/dcr.json") as {
  index: number;
  tables: string[];
  properties: { streamDeclarations: Record<string, unknown> };
}[];
const generatedTables = readJson("infra/generated/tables.json") as { name: string }[];
const scopes = templateScopes(template);

/** Resources that exist before deployment (referenced, never declared). */
const EXISTING_TYPES = new Set(["Microsoft.OperationalInsights/workspaces"]);
/** Settings the Functions platform reads; everything else must be a setting the connector knows. */
const PLATFORM_SETTINGS =
  /^(AzureWebJobsStorage__(blobServiceUri|queueServiceUri|tableServiceUri|credential)|APPLICATIONINSIGHTS_CONNECTION_STRING|AzureFunctionsJobHost__extensions__durableTask__storageProvider__(type|connectionStringName|connectionName)|DURABLE_TASK_SCHEDULER_CONNECTION_STRING)$/;

const allResources = (t: ArmTemplate): ArmResource[] =>
  t.resources.flatMap((r) => [r, ...(r.properties?.template ? allResources(r.properties.template) : [])]);
const resource = (type: string): ArmResource => {
  const found = allResources(template).find((r) => r.type === type);
  assert.ok(found, `no ${type} resource`);
  return found;
};
const site = resource("Microsoft.Web/sites");
const appSettings = (site.properties as { siteConfig: { appSettings: { name: string; value: string }[] } })
  .siteConfig.appSettings;
const settingValue = (name: string): string | undefined => appSettings.find((s) => s.name === name)?.value;

describe("infra/azuredeploy.json", () => {
  test("parameters(), variables() and copyIndex() loops refer to what each template scope declares", () => {
    assert.equal(scopes.length, 3, "main template + tables and workspace-role nested deployments");
    for (const { template: scope, expressions } of scopes) {
      for (const expression of expressions) {
        for (const [arg] of callsOf(expression, "parameters")) {
          const name = literal(arg);
          assert.ok(
            name !== undefined && scope.parameters?.[name],
            `${expression}: undeclared parameter ${arg}`,
          );
        }
        for (const [arg] of callsOf(expression, "variables")) {
          const name = literal(arg);
          assert.ok(
            name !== undefined && name in (scope.variables ?? {}),
            `${expression}: undeclared variable ${arg}`,
          );
        }
      }
    }
  });

  test("every resourceId() and reference() names a declared resource (or the existing workspace)", () => {
    for (const { template: scope, expressions } of scopes) {
      const declared = (type: string): ArmResource[] =>
        scope.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
      for (const expression of expressions) {
        for (const args of callsOf(expression, "resourceId")) {
          // resourceId([resourceGroup,] type, name…): the type is the first string literal with a "/".
          const typeIndex = args.findIndex((arg) => literal(arg)?.includes("/"));
          const type = literal(args[typeIndex])!;
          const names = args.slice(typeIndex + 1);
          if (EXISTING_TYPES.has(type)) continue;
          const targets = declared(type);
          assert.ok(targets.length > 0, `${expression}: no ${type} resource declared`);
          if (names.length === 1) {
            const named = targets.some((target) => target.name === `[${names[0]}]`);
            assert.ok(named, `${expression}: no ${type} declared with that name`);
          }
        }
        for (const [arg] of callsOf(expression, "reference")) {
          // A variable holding a resourceId() (the existing workspace's id, built in one place) counts.
          const variable = literal(callsOf(arg ?? "", "variables")[0]?.[0]);
          const target = /^variables\('[^']*'\)$/.test(arg ?? "")
            ? String(scope.variables?.[variable ?? ""]).slice(1, -1)
            : (arg ?? "");
          assert.match(target, /^resourceId\(/, `${expression}: reference() must take a resourceId()`);
        }
      }
    }
  });

  test("every parameter is used", () => {
    for (const { template: scope, expressions } of scopes) {
      const used = new Set(expressions.flatMap((e) => callsOf(e, "parameters").map(([arg]) => literal(arg))));
      for (const name of Object.keys(scope.parameters ?? {}))
        assert.ok(used.has(name), `parameter ${name} is never used`);
    }
  });

  test("the managed identity gets exactly the roles it needs, on the right scopes", () => {
    const assignments = allResources(template)
      .filter((r) => r.type === "Microsoft.Authorization/roleAssignments")
      .map((r) => {
        const roleDefinitionId = (r.properties as { roleDefinitionId: string }).roleDefinitionId;
        const role = /'([0-9a-f-]{36})'/.exec(roleDefinitionId)?.[1];
        return `${role} @ ${/Microsoft\.[A-Za-z]+\/[A-Za-z]+/.exec(r.scope as string)?.[0]}`;
      })
      .sort();
    assert.deepEqual(
      assignments,
      [
        // Monitoring Metrics Publisher, on each DCR
        ...generatedDcrs.map(
          () => "3913510d-42f4-4e42-8a64-420c390055eb @ Microsoft.Insights/dataCollectionRules",
        ),
        "4633458b-17de-408a-b874-0445c86b69e6 @ Microsoft.KeyVault/vaults", // Key Vault Secrets User
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b @ Microsoft.Storage/storageAccounts", // Storage Blob Data Owner
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88 @ Microsoft.Storage/storageAccounts", // Storage Queue Data Contributor
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3 @ Microsoft.Storage/storageAccounts", // Storage Table Data Contributor
        "ab8e14d6-4a74-4a29-9ba8-549422addade @ Microsoft.OperationalInsights/workspaces", // Microsoft Sentinel Contributor
        "0ad04412-c4d5-4796-b79c-f76d14c8d402 @ Microsoft.DurableTask/schedulers", // Durable Task Data Contributor (DTS only)
      ].sort(),
    );
  });

  test("secrets: secure parameters have no default and reach only the Key Vault, never an app setting", () => {
    const secure = Object.entries(template.parameters ?? {}).filter(([, p]) => /^secure/i.test(p.type));
    assert.deepEqual(
      secure.map(([name]) => name),
      ["mimecastSecrets"],
    );
    for (const [name, parameter] of secure) {
      assert.equal(parameter.defaultValue, undefined, `${name} has a default`);
      const users = allResources(template).filter((r) => JSON.stringify(r).includes(`parameters('${name}')`));
      assert.deepEqual(
        users.map((r) => r.type),
        ["Microsoft.KeyVault/vaults/secrets"],
      );
    }
    const vault = resource("Microsoft.KeyVault/vaults").properties as { enableRbacAuthorization: boolean };
    assert.equal(vault.enableRbacAuthorization, true);
  });

  test("no hard-coded cloud: endpoints come from reference() and environment()", () => {
    const { $schema: _schema, ...body } = template as ArmTemplate & { $schema: string };
    const text = JSON.stringify(body).replace(/"\$schema":"[^"]*"/g, "");
    for (const host of [
      "windows.net",
      "azure.com",
      "azure.us",
      "azure.cn",
      "usgovcloudapi",
      "chinacloudapi",
      "azurewebsites",
    ]) {
      assert.ok(!text.includes(host), `template hard-codes ${host}`);
    }
    assert.match(settingValue("MIMECAST_LOGS_INGESTION_AUDIENCE") ?? "", /environment\(\)/);
  });

  test("storage is identity-only and the Function App runs Node 22 on Flex Consumption", () => {
    const storage = resource("Microsoft.Storage/storageAccounts").properties as {
      allowSharedKeyAccess: boolean;
    };
    assert.equal(storage.allowSharedKeyAccess, false);
    assert.deepEqual(resource("Microsoft.Web/serverfarms").sku, { name: "FC1", tier: "FlexConsumption" });
    assert.deepEqual(site.identity, { type: "SystemAssigned" });
    const config = (
      site.properties as {
        functionAppConfig: { runtime: unknown; deployment: { storage: { type: string } } };
      }
    ).functionAppConfig;
    assert.deepEqual(config.runtime, { name: "node", version: "22" });
    assert.equal(config.deployment.storage.type, "blobContainer");
    assert.equal(settingValue("AzureWebJobsStorage__credential"), "managedidentity");
    assert.ok(
      !appSettings.some((s) => /AccountKey|ConnectionString=|DefaultEndpointsProtocol/i.test(s.value)),
    );
    assert.ok(
      !appSettings.some((s) => s.name === "AzureWebJobsStorage"),
      "no connection-string storage setting",
    );
  });

  test("every app setting is a platform setting or a setting the connector's config schema knows", () => {
    const known = new Set<string>(SETTING_NAMES);
    for (const { name } of appSettings)
      assert.ok(PLATFORM_SETTINGS.test(name) || known.has(name), `unknown app setting ${name}`);
    for (const name of [
      "MIMECAST_KEY_VAULT_URI",
      "MIMECAST_DCE_ENDPOINT",
      "MIMECAST_DCR_IMMUTABLE_ID",
      "MIMECAST_FEEDS",
    ]) {
      assert.ok(settingValue(name), `${name} is not set`);
    }
  });

  test("the DCRs, their destination and the tables are the generated ones", () => {
    assert.deepEqual(template.variables?.dcrs, generatedDcrs);
    assert.deepEqual(template.variables?.tables, generatedTables);
    const dcrs = dcrResources(template);
    assert.equal(dcrs.length, generatedDcrs.length);
    generatedDcrs.forEach((generated, i) => {
      const dcr = dcrs[i]!.properties as {
        destinations: string;
        streamDeclarations: string;
        dataFlows: unknown[];
      };
      assert.equal(dcr.destinations, `[variables('dcrs')[${i}].properties.destinations]`);
      assert.equal(dcr.dataFlows.length, generated.tables.length);
      for (const stream of Object.keys(generated.properties.streamDeclarations)) {
        assert.ok(
          dcr.streamDeclarations.includes(
            `variables('dcrs')[${i}].properties.streamDeclarations['${stream}']`,
          ),
          stream,
        );
      }
    });
    const tablesDeployment = allResources(template).find((r) =>
      r.properties?.template?.resources[0]?.type.endsWith("/tables"),
    );
    assert.deepEqual(
      (tablesDeployment?.properties as { parameters: { tables: unknown } }).parameters.tables,
      {
        value: "[variables('tables')]",
      },
    );
    assert.equal(
      template.variables?.workspaceResourceId,
      "[resourceId(parameters('workspaceResourceGroup'), 'Microsoft.OperationalInsights/workspaces', parameters('workspaceName'))]",
    );
    // One source of truth: the main template builds the workspace id once; nested deployments get its name.
    const main = scopes.find((scope) => scope.template === template)!;
    const workspaceIds = main.expressions.filter((e) =>
      e.includes("'Microsoft.OperationalInsights/workspaces'"),
    );
    assert.equal(workspaceIds.length, 1, "the workspace is named in one place only");
  });

  test("MIMECAST_TABLE_NAMES with default names is valid and covers every feed", () => {
    const setting = template.variables?.tableNamesSetting as string;
    const [formatArgs] = callsOf(setting.slice(1, -1), "format");
    const names = formatArgs!.slice(1).map((arg) => literal(/\['(.*)'\]$/.exec(arg)?.[0].slice(1, -1)));
    const text = literal(formatArgs![0])!.replace(/\{(\d+)\}/g, (_, i: string) => names[Number(i)]!);
    const parsed = parseTableNames(text);
    assert.ok(parsed.ok, text);
    for (const feed of FEEDS) assert.equal(parsed.value[feed.id], feed.defaultTable);
  });
});

/** The DCR resources of a template, in order. */
const dcrResources = (t: ArmTemplate): ArmResource[] =>
  allResources(t).filter((r) => r.type === "Microsoft.Insights/dataCollectionRules");

/** Stream declarations and data flows of each DCR resource above Azure Monitor's 10/10 limit. */
function dcrLimitProblems(t: ArmTemplate): string[] {
  return dcrResources(t).flatMap((dcr) => {
    const properties = dcr.properties as { streamDeclarations: string | object; dataFlows: unknown[] };
    const declarations =
      typeof properties.streamDeclarations === "string"
        ? callsOf(properties.streamDeclarations.slice(1, -1), "createObject")[0]!.length / 2
        : Object.keys(properties.streamDeclarations).length;
    const problems: string[] = [];
    if (declarations > 10) problems.push(`${dcr.name}: ${declarations} stream declarations`);
    if (properties.dataFlows.length > 10)
      problems.push(`${dcr.name}: ${properties.dataFlows.length} data flows`);
    return problems;
  });
}

describe("data collection rules in the template", () => {
  test("every DCR holds at most 10 stream declarations and 10 data flows", () => {
    assert.ok(dcrResources(template).length > 1);
    assert.deepEqual(dcrLimitProblems(template), []);
  });

  test("the limit check fails a DCR with 11 streams or 11 flows", () => {
    const streams = Array.from({ length: 11 }, (_, i) => `'Custom-T${i}_CL', variables('x')`).join(", ");
    const big: ArmTemplate = {
      resources: [
        {
          type: "Microsoft.Insights/dataCollectionRules",
          name: "big",
          properties: { streamDeclarations: `[createObject(${streams})]`, dataFlows: Array(11).fill({}) },
        },
      ],
    };
    assert.deepEqual(dcrLimitProblems(big), ["big: 11 stream declarations", "big: 11 data flows"]);
  });

  test("the app is told which DCR holds each table, and may publish to every DCR", () => {
    const routes = settingValue("MIMECAST_DCR_ROUTES")!;
    assert.ok(routes, "MIMECAST_DCR_ROUTES is set");
    for (const dcr of generatedDcrs.slice(1)) {
      assert.ok(routes.includes(`variables('dcr${dcr.index}Name')`), `DCR ${dcr.index}`);
      for (const table of dcr.tables.filter((t) => !generatedDcrs[0]!.tables.includes(t)))
        assert.ok(routes.includes(`variables('tableNames')['${table}']`), table);
    }
    const publishers = allResources(template).filter(
      (r) =>
        r.type === "Microsoft.Authorization/roleAssignments" &&
        JSON.stringify(r.properties).includes("3913510d-42f4-4e42-8a64-420c390055eb"),
    );
    assert.equal(publishers.length, generatedDcrs.length);
  });
});

describe("docs/deployment.md", () => {
  test("documents every template parameter", () => {
    const doc = readFileSync(path.join(REPO_ROOT, "docs", "deployment.md"), "utf8");
    for (const name of Object.keys(template.parameters ?? {})) assert.ok(doc.includes(`| \`${name}\``), name);
  });
});

describe("infra/createUiDefinition.json", () => {
  test("its outputs are exactly the template's parameters", () => {
    assert.deepEqual(
      Object.keys(uiDefinition.parameters.outputs).sort(),
      Object.keys(template.parameters ?? {}).sort(),
    );
  });

  test("offers every generated table for renaming", () => {
    const tablesStep = uiDefinition.parameters.steps.find((step) => step.name === "tables");
    assert.equal(tablesStep?.elements.length, generatedTables.length);
    for (const table of generatedTables)
      assert.ok(uiDefinition.parameters.outputs.tableNames?.includes(`"${table.name}"`), table.name);
  });
});
