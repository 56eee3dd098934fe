import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { SecretReader } from "../../src/config/keyVault";
import { formatReport, reportJson } from "../../src/doctor";
import { checkNamed, startRig } from "./helpers";
import type { DoctorRig } from "./helpers";

let rig: DoctorRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const VAULT = "https://kv-mimecast-test.vault.azure.net";
const SECRET_NAME = "mimecast-client-secret";

/** A vault holding `secrets`; names in `forbidden` answer 403 as the SDK reports it (a RestError-like error). */
function fakeVault(
  secrets: Record<string, string>,
  forbidden: readonly string[] = [],
): SecretReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getSecret(name) {
      reads.push(name);
      if (forbidden.includes(name)) {
        return Promise.reject(Object.assign(new Error("Forbidden"), { name: "RestError", statusCode: 403 }));
      }
      const value = secrets[name];
      if (value === undefined) {
        return Promise.reject(
          Object.assign(new Error("SecretNotFound"), { name: "RestError", statusCode: 404 }),
        );
      }
      return Promise.resolve({ value });
    },
  };
}

function vaultEnv(rig: DoctorRig): Record<string, string | undefined> {
  return {
    ...rig.env,
    MIMECAST_CLIENT_SECRET: undefined,
    MIMECAST_CLIENT_SECRET_NAME: SECRET_NAME,
    MIMECAST_KEY_VAULT_URI: VAULT,
    AZURE_CLIENT_ID: "11111111-2222-3333-4444-555555555555",
    MIMECAST_FEEDS: "dlp",
  };
}

describe("doctor: Key Vault", () => {
  test("each configured secret is read (value never shown) and then used for the token", async () => {
    rig = await startRig();
    const clientSecret = rig.sim.credentials.oauth!.clientSecret;
    const vault = fakeVault({ [SECRET_NAME]: clientSecret });
    const report = await rig.run(vaultEnv(rig), { secretReader: vault });

    const secret = checkNamed(report, `key vault secret ${SECRET_NAME}`);
    assert.equal(secret.status, "ok");
    assert.match(secret.detail, /MIMECAST_CLIENT_SECRET_NAME/);
    assert.match(secret.detail, /user-assigned \(client id 11111111-2222-3333-4444-555555555555\)/);
    assert.equal(checkNamed(report, "mimecast auth").status, "ok");
    assert.equal(report.exitCode, 0, formatReport(report));
    assert.ok(!formatReport(report).includes(clientSecret));
    assert.ok(!reportJson(report).includes(clientSecret));
  });

  test("a forbidden secret names the secret, the vault and the identity, and fails auth too", async () => {
    rig = await startRig();
    const vault = fakeVault({ [SECRET_NAME]: "unused-value-0123456789" }, [SECRET_NAME]);
    const report = await rig.run(vaultEnv(rig), { secretReader: vault });

    const secret = checkNamed(report, `key vault secret ${SECRET_NAME}`);
    assert.equal(secret.status, "fail");
    assert.ok(secret.detail.includes(`"${SECRET_NAME}"`), secret.detail);
    assert.ok(secret.detail.includes(VAULT), secret.detail);
    assert.match(secret.detail, /Key Vault Secrets User/);
    assert.match(secret.detail, /client id 11111111-2222-3333-4444-555555555555/);
    assert.equal(checkNamed(report, "mimecast auth").status, "fail");
    assert.equal(report.exitCode, 1);
  });

  test("a missing secret says which setting names it", async () => {
    rig = await startRig();
    const report = await rig.run(vaultEnv(rig), { secretReader: fakeVault({}) });
    const secret = checkNamed(report, `key vault secret ${SECRET_NAME}`);
    assert.equal(secret.status, "fail");
    assert.match(secret.detail, /HTTP 404.*Check MIMECAST_CLIENT_SECRET_NAME/);
    assert.match(secret.detail, /\[identity: user-assigned/);
  });
});
