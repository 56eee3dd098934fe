import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bearer, getToken, jsonOf, postJson, request } from "../helpers/sim-http";
import { withSimulator } from "../helpers/sim-fixtures";

const DLP = "/api/dlp/get-logs";
const LISTING = "/siem/v1/batch/events/cg?type=receipt&pageSize=1";
const tokenForm = (clientId: string, clientSecret: string): string =>
  new URLSearchParams({
    client_id: clientId,
    client_secret: clientSecret,
    grant_type: "client_credentials",
  }).toString();

describe("simulator OAuth 2.0", () => {
  it("issues a bearer token with the configured expires_in", async () => {
    await withSimulator({ tokenTtlSeconds: 600 }, async (sim) => {
      const result = await request(`${sim.url}/oauth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: tokenForm(sim.credentials.oauth!.clientId, sim.credentials.oauth!.clientSecret),
      });
      assert.equal(result.status, 200);
      const body = jsonOf(result);
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 600);
      assert.equal(typeof body.access_token, "string");
    });
  });

  it("accepts data calls with a fresh token", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      assert.equal((await postJson(sim, DLP, {}, bearer(token))).status, 200);
      assert.equal((await request(`${sim.url}${LISTING}`, { headers: bearer(token) })).status, 200);
    });
  });

  it("answers 401 token_expired once the simulated clock passes the TTL", async () => {
    await withSimulator({ tokenTtlSeconds: 60 }, async (sim) => {
      const token = await getToken(sim);
      sim.clock.advance(59_999);
      assert.equal((await postJson(sim, DLP, {}, bearer(token))).status, 200);
      sim.clock.advance(1);
      for (const result of [
        await postJson(sim, DLP, {}, bearer(token)),
        await request(`${sim.url}${LISTING}`, { headers: bearer(token) }),
      ]) {
        assert.equal(result.status, 401);
        assert.equal(jsonOf<{ fail: Array<{ code: string }> }>(result).fail[0]?.code, "token_expired");
      }
    });
  });

  it("rejects a wrong client secret with 401 'Client credentials are invalid'", async () => {
    await withSimulator({}, async (sim) => {
      const result = await request(`${sim.url}/oauth/token`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: tokenForm(sim.credentials.oauth!.clientId, "wrong"),
      });
      assert.equal(result.status, 401);
      assert.deepEqual(jsonOf(result), { error: "Client credentials are invalid" });
    });
  });

  it("rejects a grant type other than client_credentials", async () => {
    await withSimulator({}, async (sim) => {
      const result = await request(`${sim.url}/oauth/token`, {
        method: "POST",
        body: "grant_type=password&client_id=x",
      });
      assert.equal(result.status, 400);
    });
  });

  it("answers 401 unauthorized to a missing or unknown token", async () => {
    await withSimulator({}, async (sim) => {
      for (const headers of [{}, bearer("not-a-token")]) {
        const result = await postJson(sim, DLP, {}, headers);
        assert.equal(result.status, 401);
        assert.equal(jsonOf<{ fail: Array<{ code: string }> }>(result).fail[0]?.code, "unauthorized");
      }
    });
  });

  it("expires every token on expireAllTokens, and a new token works again", async () => {
    await withSimulator({}, async (sim) => {
      const token = await getToken(sim);
      sim.expireAllTokens();
      assert.equal((await postJson(sim, DLP, {}, bearer(token))).status, 401);
      assert.equal((await postJson(sim, DLP, {}, bearer(await getToken(sim)))).status, 200);
    });
  });

  it("never logs the client secret", async () => {
    await withSimulator({}, async (sim) => {
      await getToken(sim);
      assert.equal(JSON.stringify(sim.requests).includes(sim.credentials.oauth!.clientSecret), false);
      assert.equal(sim.requests[0]?.appId, sim.credentials.oauth!.clientId);
    });
  });

  it("answers 403 when the application's permissions exclude the endpoint family", async () => {
    const permissions = { "sim-client-id-0001": ["dlp"] as const };
    await withSimulator({ permissions: { ...permissions } }, async (sim) => {
      const token = await getToken(sim);
      assert.equal((await postJson(sim, DLP, {}, bearer(token))).status, 200);
      const audit = await postJson(sim, "/api/audit/get-audit-events", {}, bearer(token));
      assert.equal(audit.status, 403);
      assert.equal(
        jsonOf<{ fail: Array<{ errors: Array<{ code: string }> }> }>(audit).fail[0]?.errors[0]?.code,
        "err_xdk_forbidden",
      );
      const listing = await request(`${sim.url}${LISTING}`, { headers: bearer(token) });
      assert.equal(listing.status, 403);
      assert.equal(jsonOf<{ fail: Array<{ code: string }> }>(listing).fail[0]?.code, "forbidden");
    });
  });
});
