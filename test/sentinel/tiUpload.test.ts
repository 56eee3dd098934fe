import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TiUploader } from "../../src/sentinel/tiUpload";
import { FakeClock } from "../../src/shared/clock";
import { TI_FAKE_WORKSPACE, createTiUploadFake } from "../fakes/tiUploadFake";
import type { TiUploadFake } from "../fakes/tiUploadFake";
import { recordingCredential } from "./helpers";

const T0 = Date.UTC(2024, 10, 18, 12, 0, 0);

function indicator(n: number): Record<string, unknown> {
  const id = `indicator--00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
  return {
    type: "indicator",
    spec_version: "2.1",
    id,
    created: "2024-11-18T10:00Z",
    modified: "2024-11-18T10:00Z",
    labels: ["malicious-activity"],
    pattern: `[file:hashes.'SHA-256' = '${n.toString(16).padStart(64, "0")}']`,
    pattern_type: "stix",
    valid_from: "2024-11-18T10:00Z",
  };
}

function uploader(fake: TiUploadFake, clock = new FakeClock(T0)) {
  const credential = recordingCredential("ti-token");
  return {
    clock,
    credential,
    ti: new TiUploader({ workspaceId: TI_FAKE_WORKSPACE, credential, httpClient: fake.httpClient, clock }),
  };
}

describe("Sentinel TI upload client", () => {
  it("sends batches of at most 100 objects with the documented contract and a management-audience token", async () => {
    const fake = createTiUploadFake();
    const { ti, credential, clock } = uploader(fake);
    const objects = Array.from({ length: 250 }, (_, n) => indicator(n));
    const result = await ti.upload(objects);
    assert.deepEqual(result, { done: 250, accepted: 250, rejected: [] });
    assert.deepEqual(
      fake.requests.map((r) => [r.status, r.objects, r.sourceSystem]),
      [
        [200, 100, "Mimecast"],
        [200, 100, "Mimecast"],
        [200, 50, "Mimecast"],
      ],
    );
    assert.equal(fake.objects.size, 250);
    assert.deepEqual(credential.scopes[0], ["https://management.azure.com/.default"]);
    // Paced to 100 requests a minute: 600 ms between requests.
    assert.deepEqual(clock.sleeps, [600, 600]);
  });

  it("waits for Retry-After on 429 and then succeeds", async () => {
    const fake = createTiUploadFake();
    fake.inject({ status: 429, retryAfterSeconds: 7, times: 2 });
    const { ti, clock } = uploader(fake);
    const result = await ti.upload([indicator(1), indicator(2)]);
    assert.equal(result.accepted, 2);
    assert.deepEqual(
      fake.requests.map((r) => r.status),
      [429, 429, 200],
    );
    assert.deepEqual(
      clock.sleeps.filter((ms) => ms === 7000),
      [7000, 7000],
    );
  });

  it("reports per-object refusals by input index, with the service's reason", async () => {
    const fake = createTiUploadFake();
    fake.refuse((o) => (o["id"] === indicator(103)["id"] ? "Pattern is not supported" : undefined));
    const { ti } = uploader(fake);
    const objects = Array.from({ length: 120 }, (_, n) => indicator(n));
    objects[5] = { ...indicator(5), pattern_type: undefined };
    const result = await ti.upload(objects);
    assert.equal(result.done, 120);
    assert.equal(result.accepted, 118);
    assert.deepEqual(
      result.rejected.map((r) => r.index),
      [5, 103],
    );
    assert.match(result.rejected[0]!.reason, /^ti-upload: pattern_type is required/);
    assert.match(result.rejected[1]!.reason, /Pattern is not supported/);
  });

  it("stops at a batch that keeps failing and says exactly how far it got", async () => {
    const fake = createTiUploadFake();
    const { ti } = uploader(fake);
    const objects = Array.from({ length: 150 }, (_, n) => indicator(n));
    // First batch fine; the second meets 5 × 503 (every attempt).
    const result = await (async () => {
      const first = await ti.upload(objects.slice(0, 100));
      fake.inject({ status: 503, times: 5 });
      const second = await ti.upload(objects.slice(100));
      return { first, second };
    })();
    assert.equal(result.first.done, 100);
    assert.equal(result.second.done, 0);
    assert.equal(result.second.failure?.status, 503);
    assert.equal(result.second.failure?.retryable, true);
  });

  it("a 403 (missing Sentinel Contributor role) fails at once, retryable by an operator", async () => {
    const fake = createTiUploadFake();
    fake.inject({ status: 403 });
    const { ti } = uploader(fake);
    const result = await ti.upload([indicator(1)]);
    assert.equal(fake.requests.length, 1);
    assert.equal(result.done, 0);
    assert.equal(result.failure?.status, 403);
  });
});
