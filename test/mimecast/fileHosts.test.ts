/** The batch-file host allow-list is no broader than Mimecast needs (issue 11). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHostAllowlist } from "../../src/config/fileHosts";
import { DEFAULT_FILE_HOST_ALLOWLIST, hostAllowed } from "../../src/mimecast/batchFile";
import { settingSchema } from "../../src/config/schema";

describe("batch-file host allow-list", () => {
  it("a bare public suffix never matches, however the list was built", () => {
    for (const entry of [".co.uk", ".com", ".*.co.uk", ".*.com"]) {
      assert.equal(parseHostAllowlist(entry).ok, false, `${entry} accepted by the setting parser`);
    }
    for (const [entry, host] of [
      [".co.uk", "evil.co.uk"],
      [".*.co.uk", "a.evil.co.uk"],
      [".com", "evil.com"],
    ] as const) {
      assert.equal(hostAllowed(host, [entry]), false, `${host} matched ${entry}`);
    }
  });

  it("the default allows S3 bucket hosts and nothing else under amazonaws.com", () => {
    const defaults = String(settingSchema("MIMECAST_FILE_HOST_ALLOWLIST")["default"]);
    const parsed = parseHostAllowlist(defaults);
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.ok ? parsed.value : [], [...DEFAULT_FILE_HOST_ALLOWLIST]);
    for (const host of [
      "mimecast-siem.s3.amazonaws.com",
      "mimecast-siem.s3.eu-west-1.amazonaws.com",
      "bucket.name.s3.us-east-1.amazonaws.com",
    ]) {
      assert.ok(hostAllowed(host, DEFAULT_FILE_HOST_ALLOWLIST), host);
    }
    for (const host of [
      "ec2-1-2-3-4.compute-1.amazonaws.com",
      "abc.execute-api.eu-west-1.amazonaws.com",
      "s3.amazonaws.com",
      "evil.s3.eu-west-1.amazonaws.com.example.net",
      "amazonaws.com",
      "x.s3.a.b.amazonaws.com",
    ]) {
      assert.equal(hostAllowed(host, DEFAULT_FILE_HOST_ALLOWLIST), false, host);
    }
  });

  it("exact hosts and registrable suffixes still work", () => {
    assert.ok(parseHostAllowlist("files.example.co.uk,.example.co.uk,127.0.0.1").ok);
    assert.ok(hostAllowed("a.example.co.uk", [".example.co.uk"]));
    assert.ok(!hostAllowed("example.co.uk", [".example.co.uk"]));
    assert.ok(hostAllowed("127.0.0.1", ["127.0.0.1"]));
  });
});
