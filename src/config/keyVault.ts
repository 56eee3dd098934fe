import { SecretClient } from "@azure/keyvault-secrets";
import type { SecretClientOptions } from "@azure/keyvault-secrets";
import type { TokenCredential } from "@azure/identity";
import { SecretError } from "./errors";
import type { SecretErrorDetails, SecretFailureReason } from "./errors";
import type { KeyVaultConfig } from "./types";
import { isKeyVaultHost } from "./urls";

/** The one call we need from SecretClient; tests pass the real client or a small fake. */
export interface SecretReader {
  getSecret(name: string): Promise<{ value?: string }>;
}

/**
 * A SecretClient for the configured vault. A host that is not a Key Vault host can only have passed
 * validation through the test switch (a loopback fake vault): there the client must accept http and
 * skip checking that the auth challenge's resource matches the host.
 */
export function createSecretReader(
  keyVault: Pick<KeyVaultConfig, "uri">,
  credential: TokenCredential,
  options: SecretClientOptions = {},
): SecretReader {
  const testVault = !isKeyVaultHost(new URL(keyVault.uri).hostname);
  const testOptions = testVault
    ? { allowInsecureConnection: true, disableChallengeResourceVerification: true }
    : {};
  return new SecretClient(keyVault.uri, credential, { ...options, ...testOptions });
}

export interface VaultSecretRef {
  vaultUri: string;
  secretName: string;
  /** The *_NAME setting, so the message says what to fix. */
  setting: string;
  /** "system-assigned" or "user-assigned (client id …)", for the permission hint. */
  identity: string;
}

/** Reads one secret; every failure becomes a SecretError that names the vault and secret, never a value. */
export async function readVaultSecret(reader: SecretReader, ref: VaultSecretRef): Promise<string> {
  let value: string | undefined;
  try {
    value = (await reader.getSecret(ref.secretName)).value?.trim();
  } catch (error) {
    throw toSecretError(error, ref);
  }
  if (!value) throw secretError("empty-value", ref, "the secret has no value");
  return value;
}

export function secretError(
  reason: SecretFailureReason,
  ref: VaultSecretRef,
  explanation: string,
  status?: number,
  cause?: unknown,
): SecretError {
  const details: SecretErrorDetails = {
    reason,
    vaultUri: ref.vaultUri,
    secretName: ref.secretName,
    setting: ref.setting,
  };
  if (status !== undefined) details.status = status;
  return new SecretError(details, explanation, cause === undefined ? undefined : { cause });
}

const IDENTITY_ERRORS = new Set([
  "CredentialUnavailableError",
  "AuthenticationError",
  "AggregateAuthenticationError",
]);

function toSecretError(error: unknown, ref: VaultSecretRef): SecretError {
  const status = numberField(error, "statusCode");
  const name = error instanceof Error ? error.name : "";
  if (IDENTITY_ERRORS.has(name)) {
    return secretError(
      "identity-unavailable",
      ref,
      `no managed identity token (${name}). Enable the Function App's system-assigned identity, or set AZURE_CLIENT_ID to the client id of a user-assigned identity assigned to the app`,
      undefined,
      error,
    );
  }
  switch (status) {
    case 401:
      return secretError(
        "unauthorized",
        ref,
        `HTTP 401: the vault rejected the ${ref.identity} managed identity's token. Check the identity is in the vault's tenant`,
        status,
        error,
      );
    case 403:
      return secretError(
        "forbidden",
        ref,
        `HTTP 403: access denied. Grant the ${ref.identity} managed identity the "Key Vault Secrets User" role on the vault (or Get permission on secrets in its access policies), check the secret is enabled, and that the vault's firewall admits the app`,
        status,
        error,
      );
    case 404:
      return secretError(
        "not-found",
        ref,
        `HTTP 404: the vault has no secret with that name. Check ${ref.setting}`,
        status,
        error,
      );
    case undefined: {
      const code = stringField(error, "code") ?? (name || "unknown error");
      return secretError(
        "unreachable",
        ref,
        `the vault could not be reached (${code}). Check MIMECAST_KEY_VAULT_URI and the app's outbound network access`,
        undefined,
        error,
      );
    }
    default:
      return secretError("unexpected", ref, `HTTP ${status} from the vault`, status, error);
  }
}

function numberField(value: unknown, field: string): number | undefined {
  const found: unknown = typeof value === "object" && value !== null ? Reflect.get(value, field) : undefined;
  return typeof found === "number" ? found : undefined;
}

function stringField(value: unknown, field: string): string | undefined {
  const found: unknown = typeof value === "object" && value !== null ? Reflect.get(value, field) : undefined;
  return typeof found === "string" ? found : undefined;
}
