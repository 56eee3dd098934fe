import { readVaultSecret, secretError } from "../config/keyVault";
import type { SecretReader } from "../config/keyVault";
import { FORMAT_PROBLEMS } from "../config/formats";
import type { Config, SecretSource } from "../config/types";
import { commonFailure } from "./mimecastFailures";
import type { DoctorCheck } from "./types";

/** The identity the app reads Key Vault (and publishes to the DCR) as, for messages. */
export function identityOf(config: Config): string {
  return config.managedIdentityClientId
    ? `user-assigned (client id ${config.managedIdentityClientId})`
    : "system-assigned";
}

/** Every Mimecast secret the configuration reads from Key Vault at run time, with the setting naming it. */
function vaultSources(config: Config): Extract<SecretSource, { from: "key-vault" }>[] {
  const c = config.mimecast.credentials;
  const sources = c.kind === "oauth2" ? [c.clientSecret] : [c.appKey, c.accessKey, c.secretKey];
  return sources.filter((s): s is Extract<SecretSource, { from: "key-vault" }> => s.from === "key-vault");
}

/**
 * Reads each configured secret once, as the credentials provider does (same reader, same errors), so a
 * failure names the secret, its setting and the identity. Values are only checked, never returned.
 */
export async function checkKeyVault(config: Config, reader: SecretReader): Promise<DoctorCheck[]> {
  const vault = config.keyVault;
  if (!vault) return [];
  const identity = identityOf(config);
  const checks: DoctorCheck[] = [];
  for (const source of vaultSources(config)) {
    const name = `key vault secret ${source.secretName}`;
    const ref = { vaultUri: vault.uri, secretName: source.secretName, setting: source.setting, identity };
    try {
      const value = await readVaultSecret(reader, ref);
      if (source.setting === "MIMECAST_SECRET_KEY_NAME" && FORMAT_PROBLEMS.base64(value) !== undefined) {
        throw secretError(
          "invalid-value",
          ref,
          `the value is not valid base64, which ${source.setting} requires`,
        );
      }
      checks.push({
        name,
        status: "ok",
        detail: `read from ${vault.uri} (${source.setting}) as the ${identity} identity; value not shown`,
      });
    } catch (error) {
      const failure = commonFailure(error);
      checks.push({ name, ...failure, detail: `${failure.detail} [identity: ${identity}]` });
    }
  }
  return checks;
}
