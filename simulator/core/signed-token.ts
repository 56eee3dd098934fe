/**
 * Opaque continuation tokens (`@nextPage`, `pageToken`, `mc-siem-token`, threat-feed tokens). They carry
 * their position in the clear, base64url-encoded, plus an HMAC so a tampered or foreign token is detected.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export class TokenSigner {
  constructor(private readonly secret: string) {}

  encode(kind: string, payload: Record<string, unknown>): string {
    const body = Buffer.from(JSON.stringify({ k: kind, ...payload })).toString("base64url");
    return `${body}.${this.mac(body)}`;
  }

  /** The payload, or null when the token is malformed, tampered with or of another kind. */
  decode(kind: string, token: string): Record<string, unknown> | null {
    const dot = token.lastIndexOf(".");
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const expected = Buffer.from(this.mac(body));
    const given = Buffer.from(token.slice(dot + 1));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const payload: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
      if (typeof payload !== "object" || payload === null || (payload as { k?: unknown }).k !== kind)
        return null;
      return payload as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("base64url").slice(0, 22);
  }
}

export const isInteger = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value);
