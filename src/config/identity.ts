import { ManagedIdentityCredential } from "@azure/identity";
import type { TokenCredential } from "@azure/identity";
import type { Config } from "./types";

/**
 * The app's Azure identity: the Function App's managed identity, user-assigned when AZURE_CLIENT_ID
 * is set, otherwise system-assigned. Used directly rather than through DefaultAzureCredential, whose
 * chain would fall through to developer credentials and slow every cold start when MI is missing.
 */
export function createAzureCredential(config: Pick<Config, "managedIdentityClientId">): TokenCredential {
  const clientId = config.managedIdentityClientId;
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
