/**
 * The Mimecast client's error vocabulary. Callers branch on `kind` (or the `isX` guards), never on
 * message text. Expected conditions that an orchestrator should *wait on* (rate limiting) are also
 * exposed as values by the rate limiter; these classes cover what escapes a single request.
 */
import { safeIso } from "../shared/pause";

/** Mimecast's own error detail, from `fail[].errors[]`, `fail[]` or `error`. */
export interface MimecastErrorDetail {
  code: string;
  message: string;
  retryable?: boolean;
}

export type MimecastErrorKind =
  "rate-limited" | "transient" | "permanent" | "auth" | "expired-url" | "bad-response" | "configuration";

export abstract class MimecastError extends Error {
  abstract readonly kind: MimecastErrorKind;
  constructor(
    message: string,
    /** Request path (never the query string of a presigned URL: it holds a signature). */
    readonly path: string,
    readonly status?: number,
    readonly details: MimecastErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 429 (or a client-side budget exhausted): nothing should be sent to this application until `retryAt`. */
export class MimecastRateLimitedError extends MimecastError {
  readonly kind = "rate-limited" as const;
  constructor(
    path: string,
    /** Epoch ms when requests may resume. */
    readonly retryAt: number,
    details: MimecastErrorDetail[] = [],
  ) {
    super(`Mimecast rate limit reached on ${path}; retry at ${safeIso(retryAt)}`, path, 429, details);
  }
}

/** 5xx, connection reset, timeout: worth retrying after a backoff. */
export class MimecastTransientError extends MimecastError {
  readonly kind = "transient" as const;
}

/** 400/403/404/…, or a `fail` array in a 200: retrying the same request cannot help. */
export class MimecastPermanentError extends MimecastError {
  readonly kind = "permanent" as const;
}

/** Credentials rejected even after a fresh token (or HMAC keys rejected). */
export class MimecastAuthError extends MimecastError {
  readonly kind = "auth" as const;
}

/** A presigned batch-file URL answered 403/404: its `expiry` passed; re-list the page to get a new URL. */
export class MimecastExpiredUrlError extends MimecastError {
  readonly kind = "expired-url" as const;
}

/** The response does not have the shape the endpoint documents (missing token, records not an array, …). */
export class MimecastBadResponseError extends MimecastError {
  readonly kind = "bad-response" as const;
}

/** The client was asked to do something unsafe (plain http base URL, file host not on the allow-list). */
export class MimecastConfigurationError extends MimecastError {
  readonly kind = "configuration" as const;
}

export const isMimecastError = (e: unknown): e is MimecastError => e instanceof MimecastError;
export const isRateLimited = (e: unknown): e is MimecastRateLimitedError =>
  e instanceof MimecastRateLimitedError;
export const isTransient = (e: unknown): e is MimecastTransientError => e instanceof MimecastTransientError;
export const isPermanent = (e: unknown): e is MimecastPermanentError => e instanceof MimecastPermanentError;
export const isAuthError = (e: unknown): e is MimecastAuthError => e instanceof MimecastAuthError;
export const isExpiredUrl = (e: unknown): e is MimecastExpiredUrlError =>
  e instanceof MimecastExpiredUrlError;
