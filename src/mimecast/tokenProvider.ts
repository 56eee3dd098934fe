import type { Clock } from "../shared/clock";
import type { SecretRedactor } from "../shared/logger";

/** An OAuth access token and when to stop using it. */
export interface AccessToken {
  value: string;
  /** Epoch ms after which the token is not used any more (expiry minus the safety margin). */
  refreshAt: number;
}

/** Fetches a fresh token; `forceCredentialReload` asks the credential source to re-read its secret first. */
export type TokenFetcher = (
  forceCredentialReload: boolean,
) => Promise<{ accessToken: string; expiresInSeconds: number }>;

/**
 * Caches the API 2.0 bearer token until `expires_in` minus a margin, and makes every concurrent caller
 * share one in-flight refresh (a fan-out of ten activities must not fetch ten tokens).
 */
export class TokenProvider {
  private current?: AccessToken;
  private inFlight?: Promise<AccessToken>;
  /** Tokens fetched so far (exposed for tests and diagnostics). */
  fetchCount = 0;

  constructor(
    private readonly fetchToken: TokenFetcher,
    private readonly clock: Clock,
    private readonly redactor: SecretRedactor,
    /** Refresh this long before expiry (Elastic uses 60 s, Gravwell 5 s). */
    private readonly marginMs = 60_000,
  ) {}

  async get(): Promise<string> {
    const cached = this.current;
    if (cached && cached.refreshAt > this.clock.now()) return cached.value;
    return (await this.refresh(false)).value;
  }

  /**
   * Drop `rejected` (a token the API answered 401 to) and fetch a new one. If another caller already
   * replaced it, reuse theirs instead of fetching again.
   */
  async replace(rejected: string, forceCredentialReload = false): Promise<string> {
    if (this.current && this.current.value !== rejected && this.current.refreshAt > this.clock.now()) {
      return this.current.value;
    }
    if (this.current?.value === rejected) this.current = undefined;
    return (await this.refresh(forceCredentialReload)).value;
  }

  private refresh(forceCredentialReload: boolean): Promise<AccessToken> {
    if (!this.inFlight) {
      this.inFlight = (async () => {
        try {
          const { accessToken, expiresInSeconds } = await this.fetchToken(forceCredentialReload);
          this.fetchCount += 1;
          this.redactor.register(accessToken);
          const lifetimeMs = Math.max(0, expiresInSeconds * 1000);
          // Short-lived tokens (tests, odd servers) still get used: never a margin above half the lifetime.
          const margin = Math.min(this.marginMs, lifetimeMs / 2);
          const token = { value: accessToken, refreshAt: this.clock.now() + lifetimeMs - margin };
          this.current = token;
          return token;
        } finally {
          this.inFlight = undefined;
        }
      })();
    }
    return this.inFlight;
  }
}
