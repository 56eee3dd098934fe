import type { CredentialsProvider, MimecastCredentials } from "../mimecast/credentials";
import type { Clock } from "../shared/clock";
import { globalRedactor, silentLogger } from "../shared/logger";
import type { Logger, SecretRedactor } from "../shared/logger";
import { FORMAT_PROBLEMS } from "./formats";
import { createAzureCredential } from "./identity";
import { createSecretReader, readVaultSecret, secretError } from "./keyVault";
import type { SecretReader, VaultSecretRef } from "./keyVault";
import { SingleFlightCache } from "./singleFlightCache";
import type { Config, SecretSource } from "./types";

export interface CredentialsProviderDeps {
  /** Defaults to a SecretClient for config.keyVault using the app's managed identity. */
  secretClient?: SecretReader;
  clock: Clock;
  /** Receives every secret value read; defaults to the process-wide redactor. */
  redactor?: SecretRedactor;
  logger?: Logger;
}

/**
 * Mimecast credentials from app settings (which Azure may fill from Key Vault references) or, for
 * secrets named by *_NAME settings, from Key Vault at run time. Values are cached for
 * MIMECAST_SECRET_CACHE_TTL_SECONDS; `invalidate()` (after a 401) makes the next `get()` re-read the
 * vault so a rotated secret is picked up; concurrent `get()` calls share one read.
 */
export function createCredentialsProvider(
  config: Config,
  deps: CredentialsProviderDeps,
): CredentialsProvider {
  const redactor = deps.redactor ?? globalRedactor;
  const logger = deps.logger ?? silentLogger;
  const sources = config.mimecast.credentials;
  const vault = config.keyVault;
  let reader = deps.secretClient;
  const identity = config.managedIdentityClientId
    ? `user-assigned (client id ${config.managedIdentityClientId})`
    : "system-assigned";

  const resolve = async (source: SecretSource, mustBeBase64 = false): Promise<string> => {
    if (source.from === "app-setting") {
      const value = source.value.reveal();
      redactor.register(value);
      return value;
    }
    if (!vault) throw new Error(`internal: ${source.setting} is set but config.keyVault is missing`);
    reader ??= createSecretReader(vault, createAzureCredential(config));
    const ref: VaultSecretRef = {
      vaultUri: vault.uri,
      secretName: source.secretName,
      setting: source.setting,
      identity,
    };
    const value = await readVaultSecret(reader, ref);
    redactor.register(value);
    if (mustBeBase64 && FORMAT_PROBLEMS.base64(value) !== undefined) {
      throw secretError(
        "invalid-value",
        ref,
        `the value is not valid base64, which ${source.setting} requires`,
      );
    }
    return value;
  };

  const load = async (): Promise<MimecastCredentials> => {
    const fromVault = vaultSecretNames(config);
    try {
      const credentials = await readAll();
      if (fromVault.length > 0)
        logger.info("Read Mimecast secrets from Key Vault", { vault: vault?.uri, secrets: fromVault });
      return credentials;
    } catch (error) {
      logger.warn("Could not read Mimecast secrets", { vault: vault?.uri, secrets: fromVault, error });
      throw error;
    }
  };

  const readAll = async (): Promise<MimecastCredentials> => {
    if (sources.kind === "oauth2") {
      return {
        kind: "oauth2",
        clientId: sources.clientId,
        clientSecret: await resolve(sources.clientSecret),
      };
    }
    const [appKey, accessKey, secretKey] = await Promise.all([
      resolve(sources.appKey),
      resolve(sources.accessKey),
      resolve(sources.secretKey, true),
    ]);
    return { kind: "hmac", appId: sources.appId, appKey, accessKey, secretKey };
  };

  // App-setting values cannot change while the process runs, so without a vault the TTL is moot.
  const cache = new SingleFlightCache(load, vault?.secretCacheTtlMs ?? Number.POSITIVE_INFINITY, deps.clock);
  return { get: () => cache.get(), invalidate: () => cache.invalidate() };
}

/** Names (not values) of the secrets this configuration reads from Key Vault, for logs and status. */
export function vaultSecretNames(config: Config): string[] {
  const c = config.mimecast.credentials;
  const sources = c.kind === "oauth2" ? [c.clientSecret] : [c.appKey, c.accessKey, c.secretKey];
  return sources.flatMap((s) => (s.from === "key-vault" ? [s.secretName] : []));
}
