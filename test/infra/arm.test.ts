import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { callsOf, literal, templateScopes } from "./arm";

describe("ARM expression scanner (template test support)", () => {
  test("splits nested call arguments at top-level commas only, keeping quoted commas and '' escapes", () => {
    const expression = "format('{0},{1}', resourceId('A/b', variables('x')), 'it''s')";
    assert.deepEqual(callsOf(expression, "resourceId"), [["'A/b'", "variables('x')"]]);
    assert.deepEqual(callsOf(expression, "format")[0], [
      "'{0},{1}'",
      "resourceId('A/b', variables('x'))",
      "'it''s'",
    ]);
    assert.equal(literal("'it''s'"), "it's");
    assert.equal(literal("variables('x')"), undefined);
  });

  test("a nested inner-scope deployment is its own scope", () => {
    const scopes = templateScopes({
      parameters: { a: { type: "string" } },
      resources: [
        {
          type: "Microsoft.Resources/deployments",
          name: "[parameters('a')]",
          properties: {
            expressionEvaluationOptions: { scope: "inner" },
            parameters: { b: { value: "[parameters('a')]" } },
            template: {
              parameters: { b: { type: "string" } },
              resources: [{ type: "X/y", name: "[parameters('b')]" }],
            },
          },
        },
      ],
    });
    assert.deepEqual(
      scopes.map((scope) => scope.expressions),
      [["parameters('b')"], ["parameters('a')", "parameters('a')"]],
    );
  });
});
