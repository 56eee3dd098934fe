/**
 * What the client needs to authenticate. Secrets come from a provider so they can be re-read after an
 * auth failure (rotation in Key Vault) without restarting the process.
 */
export interface OAuthCredentials {
  kind: "oauth2";
  clientId: string;
  clientSecret: string;
}

export interface HmacCredentials {
  kind: "hmac";
  appId: string;
  appKey: string;
  accessKey: string;
  /** Base64 as Mimecast issues it; decoded before signing. */
  secretKey: string;
}

export type MimecastCredentials = OAuthCredentials | HmacCredentials;

export interface CredentialsProvider<C extends MimecastCredentials = MimecastCredentials> {
  /** Current credentials (may be cached). */
  get(): Promise<C>;
  /** Forget cached values: the next `get` re-reads the source (called after an auth failure). */
  invalidate(): void;
}

/** Fixed credentials (tests, or settings already resolved by the platform's Key Vault references). */
export function staticCredentials<C extends MimecastCredentials>(credentials: C): CredentialsProvider<C> {
  return { get: () => Promise.resolve(credentials), invalidate: () => {} };
}
