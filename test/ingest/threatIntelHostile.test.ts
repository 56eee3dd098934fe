/**
 * Threat-intel bundles split across the files of one token chain (issue 11): an indicator in one file,
 * its `indicates` relationship and the malware in others. Oracle: the bundle the local server serves.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { threatIntelCustomerFeed } from "../../src/feeds/threatIntelCustomer";
import { ingestThreatIntel } from "../../src/ingest/threatIntel";
import { streamFor } from "../../src/ingest/streams";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { THREAT_INTEL_PATH } from "../../src/mimecast/endpoints";
import { FakeClock } from "../../src/shared/clock";
import { localServer, within } from "../mimecast/hostileHelpers";
import type { World } from "./unitHarness";
import { HOUR, NOW, startWorld } from "./unitHarness";

let world: World | undefined;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await world?.close();
  await closeServer?.();
  world = undefined;
  closeServer = undefined;
});

const indicator = (n: number): Record<string, unknown> => ({
  type: "indicator",
  spec_version: "2.1",
  id: `indicator--0000000${n}-0000-4000-8000-000000000000`,
  created: "2024-11-18T10:00Z",
  modified: "2024-11-18T10:00Z",
  valid_from: "2024-11-18T10:00Z",
  pattern: `[file:hashes.'SHA-256' = '${String(n).repeat(64).slice(0, 64)}']`,
  pattern_type: "stix",
});
const malware = { type: "malware", id: "malware--aaaa", name: "Emotet", is_family: true };
const relates = (n: number, id: string): Record<string, unknown> => ({
  type: "relationship",
  id,
  relationship_type: "indicates",
  source_ref: indicator(n)["id"],
  target_ref: malware.id,
});

describe("threat-intel context across files of one token chain", () => {
  it("an indicator gets MalwareNames from a relationship and malware served in later files", async () => {
    const files: Record<string, { objects: unknown[]; next?: string }> = {
      "": { objects: [indicator(1), indicator(2)], next: "T1" },
      T1: { objects: [relates(1, "relationship--r1"), indicator(3)], next: "T2" },
      T2: { objects: [malware, relates(3, "relationship--r3")] },
    };
    const server = await localServer((req, body, res) => {
      if (req.url === "/oauth/token") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: "tok-ti-0123456789", expires_in: 1800 }));
        return;
      }
      if (req.url === THREAT_INTEL_PATH) {
        const sent = JSON.parse(body.toString("utf8")) as { data: Array<{ token?: string }> };
        const file = files[sent.data[0]?.token ?? ""]!;
        res.writeHead(200, {
          "Content-Type": "application/json",
          ...(file.next ? { "X-Mc-Threat-Feed-Next-Token": file.next } : {}),
        });
        res.end(JSON.stringify({ type: "bundle", id: "bundle--1", objects: file.objects }));
        return;
      }
      res.writeHead(404).end();
    });
    closeServer = () => server.close();
    const w = (world = await startWorld([threatIntelCustomerFeed]));
    const client = new MimecastClient({
      baseUrl: server.url,
      credentials: staticCredentials({ kind: "oauth2", clientId: "c", clientSecret: "ti-secret-1" }),
      clock: new FakeClock(NOW),
      allowInsecureHttp: true,
    });
    const outcome = await within(
      10_000,
      ingestThreatIntel({
        client,
        feed: threatIntelCustomerFeed,
        sink: w.sink,
        stream: streamFor(threatIntelCustomerFeed),
        window: { from: NOW - HOUR, to: NOW },
        now: () => NOW,
      }),
    );
    assert.equal(outcome.kind, "completed", JSON.stringify(outcome));
    const rows = w.fake.acceptedRows(streamFor(threatIntelCustomerFeed).streamName);
    const names = Object.fromEntries(rows.map((r) => [String(r["StixId"]), r["MalwareNames"] ?? null]));
    assert.deepEqual(names, {
      [String(indicator(1)["id"])]: ["Emotet"],
      [String(indicator(2)["id"])]: null,
      [String(indicator(3)["id"])]: ["Emotet"],
    });
  });
});
