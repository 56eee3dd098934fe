/** OAuth 2.0 access tokens with a real expiry measured on the simulator clock. */
import { Rng, hashOf } from "../core/random";

export type TokenCheck =
  { status: "valid"; appId: string } | { status: "expired"; appId: string } | { status: "unknown" };

interface TokenState {
  appId: string;
  expiresAt: number;
}

export class TokenStore {
  private readonly tokens = new Map<string, TokenState>();
  private issued = 0;

  constructor(
    private readonly seed: number,
    private readonly now: () => number,
  ) {}

  /** Tokens are derived from (seed, issue counter) so runs are reproducible. */
  issue(appId: string, ttlSeconds: number): string {
    this.issued++;
    const token = new Rng(hashOf(this.seed, "oauth-token", this.issued)).base64url(48);
    this.tokens.set(token, { appId, expiresAt: this.now() + ttlSeconds * 1000 });
    return token;
  }

  check(token: string): TokenCheck {
    const state = this.tokens.get(token);
    if (!state) return { status: "unknown" };
    return this.now() >= state.expiresAt
      ? { status: "expired", appId: state.appId }
      : { status: "valid", appId: state.appId };
  }

  expire(token: string): void {
    const state = this.tokens.get(token);
    if (state) state.expiresAt = Math.min(state.expiresAt, this.now());
  }

  expireAll(): void {
    for (const token of this.tokens.keys()) this.expire(token);
  }
}
