import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { configError, load, SECRETS, v2Env } from "./helpers/env";

describe("unknown settings", () => {
  test("suggest the closest setting for a misspelt MIMECAST_* name", () => {
    const config = load(
      v2Env({
        MIMECAST_SINK: "local",
        MIMECAST_BASEURL: "uk",
        mimecast_log_levl: "debug",
        MIMECAST_FEED: "dlp",
      }),
    );
    assert.deepEqual(config.warnings, [
      "MIMECAST_BASEURL is not a setting this app reads - did you mean MIMECAST_BASE_URL?",
      "mimecast_log_levl is not a setting this app reads - did you mean MIMECAST_LOG_LEVEL?",
      "MIMECAST_FEED is not a setting this app reads - did you mean MIMECAST_FEEDS?",
    ]);
    assert.equal(config.mimecast.baseUrl, "https://api.services.mimecast.com");
  });

  test("point from the Azure-Sentinel connector's names to ours", () => {
    const config = load(v2Env({ MIMECAST_SINK: "local", BaseURL: "https://x", Start_Date: "2025-01-01" }));
    assert.deepEqual(config.warnings, [
      "BaseURL is a setting of the Azure-Sentinel Mimecast connector and is ignored here; this app reads MIMECAST_BASE_URL",
      "Start_Date is a setting of the Azure-Sentinel Mimecast connector and is ignored here; this app reads MIMECAST_START_DATE",
    ]);
  });

  test("say nothing about unrelated variables and nothing helpful about far-off names", () => {
    const config = load(v2Env({ MIMECAST_SINK: "local", PATH: "/usr/bin", MIMECAST_SOMETHING_ELSE: "1" }));
    assert.deepEqual(config.warnings, [
      "MIMECAST_SOMETHING_ELSE is not a setting this app reads (see docs/settings.md)",
    ]);
  });

  test("are listed in the error when start-up fails, since a typo often explains a missing setting", () => {
    const error = configError({ MIMECAST_CLIENT_ID: "c", MIMECAST_CLIENTSECRET: SECRETS.clientSecret });
    assert.deepEqual(error.warnings, [
      "MIMECAST_CLIENTSECRET is not a setting this app reads - did you mean MIMECAST_CLIENT_SECRET?",
    ]);
    assert.match(error.message, /\nAlso:\n {2}- MIMECAST_CLIENTSECRET is not a setting/);
    assert.ok(!error.message.includes(SECRETS.clientSecret));
  });
});
