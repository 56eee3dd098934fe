/**
 * The `az deployment group create` lines users copy from README.md and docs/deployment.md: they name only
 * parameters the template declares, with values it accepts (plans, retention, backend), and between them
 * cover both Durable backends and per-table plans for both templates.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import type { ArmTemplate } from "./arm";
import { readRepoFile } from "./appEnvironment";

interface DeployCommand {
  file: string;
  template: string;
  parameters: Map<string, string>;
}

const TABLES = new Set(
  (JSON.parse(readRepoFile("infra/generated/tables.json")) as { name: string }[]).map((t) => t.name),
);
const PLANS = ["Analytics", "Basic", "Auxiliary"];

/** Every `az deployment group create` in the file's sh/bash blocks, continuation lines joined, comments dropped. */
function deployCommands(file: string): DeployCommand[] {
  const blocks = [...readRepoFile(file).matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const lines = blocks.flatMap((block) =>
    block
      .replace(/\\\n/g, " ")
      .split("\n")
      .map((line) => line.replace(/\s+#.*$/, "").trim()),
  );
  return lines
    .filter((line) => line.startsWith("az deployment group create"))
    .map((line) => {
      const template = /--template-file (\S+)/.exec(line)![1]!;
      const args = line.slice(line.indexOf("--parameters") + "--parameters".length);
      const parameters = new Map(
        [...args.matchAll(/(\w+)=('[^']*'|\S+)/g)].map((m) => [m[1]!, m[2]!.replace(/^'|'$/g, "")]),
      );
      return { file, template, parameters };
    });
}

/** Problems with one command's parameters against its template. */
function problems(command: DeployCommand): string[] {
  const template = JSON.parse(readRepoFile(command.template)) as ArmTemplate;
  const found: string[] = [];
  for (const [name, value] of command.parameters) {
    const declared = template.parameters?.[name];
    if (!declared) {
      found.push(`${name}: not a parameter of ${command.template}`);
      continue;
    }
    if (declared.allowedValues && !/^<.*>$/.test(value) && !declared.allowedValues.includes(value))
      found.push(`${name}=${value}: not one of ${declared.allowedValues.join(", ")}`);
    if (declared.type !== "object" && declared.type !== "secureObject") continue;
    const object = JSON.parse(value) as Record<string, unknown>;
    if (name === "tablePlans" || name === "tableRetention" || name === "tableNames") {
      for (const table of Object.keys(object))
        if (!TABLES.has(table)) found.push(`${name}: ${table} is not a table the connector creates`);
    }
    if (name === "tablePlans") {
      for (const [table, plan] of Object.entries(object))
        if (!PLANS.includes(String(plan))) found.push(`tablePlans: ${table}=${String(plan)}`);
    }
    if (name === "tableRetention") {
      for (const [table, days] of Object.entries(object as Record<string, Record<string, number>>)) {
        const interactive = days["retentionInDays"];
        const total = days["totalRetentionInDays"];
        if (interactive !== undefined && (interactive < 4 || interactive > 730))
          found.push(`${table}: retentionInDays`);
        if (total !== undefined && (total < 4 || total > 4383)) found.push(`${table}: totalRetentionInDays`);
      }
    }
  }
  return found;
}

describe("az deployment group create instructions", () => {
  for (const file of ["README.md", "docs/deployment.md"]) {
    const commands = deployCommands(file);
    const app = commands.filter((c) => c.template === "infra/azuredeploy.json");

    test(`${file}: every command names parameters its template declares, with values it accepts`, () => {
      assert.ok(commands.length >= 2, "at least the app and the content deployment");
      assert.deepEqual(commands.flatMap(problems), []);
    });

    test(`${file}: covers both Durable backends and per-table plans`, () => {
      assert.ok(
        app.some(
          (c) => !c.parameters.has("durableBackend") || c.parameters.get("durableBackend") === "azureStorage",
        ),
        "a command for the Azure Storage backend",
      );
      assert.ok(
        app.some((c) => c.parameters.get("durableBackend") === "durableTaskScheduler"),
        "a command for the Durable Task Scheduler",
      );
      assert.ok(
        app.some((c) => c.parameters.has("tablePlans")),
        "a command with tablePlans",
      );
      assert.ok(
        commands.some((c) => c.template === "infra/sentinelContent.json"),
        "the content deployment",
      );
    });
  }

  test("docs/deployment.md passes the same tablePlans to the content template", () => {
    const commands = deployCommands("docs/deployment.md");
    const plans = (template: string): string[] =>
      commands.filter((c) => c.template === template).map((c) => c.parameters.get("tablePlans") ?? "");
    assert.ok(
      plans("infra/sentinelContent.json").some(
        (p) => p !== "" && plans("infra/azuredeploy.json").includes(p),
      ),
    );
  });

  test("the checks can fail: an unknown parameter, plan, table or backend", () => {
    const bad: DeployCommand = {
      file: "x",
      template: "infra/azuredeploy.json",
      parameters: new Map([
        ["durableBackend", "netherite"],
        ["tablePlans", '{"Seg_Cg_CL":"Cold","Nope_CL":"Basic"}'],
        ["storageProvider", "x"],
      ]),
    };
    assert.deepEqual(problems(bad).sort(), [
      "durableBackend=netherite: not one of azureStorage, durableTaskScheduler",
      "storageProvider: not a parameter of infra/azuredeploy.json",
      "tablePlans: Nope_CL is not a table the connector creates",
      "tablePlans: Seg_Cg_CL=Cold",
    ]);
  });
});
