import assert from "node:assert/strict";
import path from "node:path";
import { describe, it } from "node:test";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { InvocationContext as Context } from "@azure/functions";
import { captureRegistrations } from "../helpers/registrations";

const ENTRY = path.resolve(__dirname, "../../src/index.js");
type HttpHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

describe("function registrations (src/index.ts)", () => {
  it("package.json main points at the entry module that registers the functions", () => {
    const pkg = require(path.resolve(__dirname, "../../../package.json")) as { main: string };
    assert.equal(path.resolve(__dirname, "../../..", pkg.main), ENTRY);
  });

  it("registers the health endpoint with function-key auth", () => {
    const health = captureRegistrations(ENTRY).find((r) => r.name === "health");
    assert.ok(health, "health is registered");
    assert.equal(health.kind, "http");
    assert.equal(health.options["authLevel"], "function");
    assert.deepEqual(health.options["methods"], ["GET"]);
  });

  it("health answers 503 naming each bad setting, without secret values", async () => {
    const health = captureRegistrations(ENTRY).find((r) => r.name === "health")!;
    const saved = { ...process.env };
    try {
      process.env["MIMECAST_CLIENT_ID"] = "client-id-1";
      process.env["MIMECAST_CLIENT_SECRET"] = "super-secret-value-123";
      process.env["MIMECAST_SCHEDULE"] = "* * * * * *";
      // The warning goes to the invocation's log (captured here, so test output stays clean).
      const logged: string[] = [];
      const context = new Context({ logHandler: (_level, ...args) => void logged.push(args.join(" ")) });
      const response = await (health.options["handler"] as HttpHandler)({} as HttpRequest, context);
      assert.equal(response.status, 503);
      assert.match(logged.join("\n"), /MIMECAST_SCHEDULE/);
      assert.doesNotMatch(logged.join("\n"), /super-secret-value-123/);
      const text = JSON.stringify(response.jsonBody);
      assert.match(text, /MIMECAST_SCHEDULE/);
      assert.doesNotMatch(text, /super-secret-value-123/);
    } finally {
      process.env = saved;
    }
  });

  it("health answers 200 with the enabled feeds when the configuration is valid", async () => {
    const health = captureRegistrations(ENTRY).find((r) => r.name === "health")!;
    const saved = { ...process.env };
    try {
      process.env["MIMECAST_CLIENT_ID"] = "client-id-1";
      process.env["MIMECAST_CLIENT_SECRET"] = "super-secret-value-123";
      process.env["MIMECAST_FEEDS"] = "audit,dlp";
      const response = await (health.options["handler"] as HttpHandler)({} as HttpRequest, new Context());
      assert.equal(response.status, 200);
      const body = response.jsonBody as { feeds: string[]; sink: string };
      assert.deepEqual(body.feeds, ["audit", "dlp"]);
      assert.equal(body.sink, "local");
      assert.doesNotMatch(JSON.stringify(body), /super-secret-value-123/);
    } finally {
      process.env = saved;
    }
  });
});

describe("host.json", () => {
  const host = require(path.resolve(__dirname, "../../../host.json")) as {
    functionTimeout: string;
    extensions: { durableTask: Record<string, unknown> };
  };
  it("never lets a start overwrite a running supervisor (watchdog and HTTP start may race)", () => {
    assert.equal(host.extensions.durableTask["overridableExistingInstanceStates"], "NonRunningStates");
  });
  it("gives activities more time than their 4-minute ingestion budget", () => {
    assert.equal(host.functionTimeout, "00:10:00");
  });
});
