import http from "node:http";
import https from "node:https";
import type { AxiosInstance, AxiosResponse, Method } from "axios";
import axios, { AxiosError } from "axios";
import type { Clock } from "../shared/clock";
import { systemClock } from "../shared/clock";
import type { Logger, SecretRedactor } from "../shared/logger";
import { globalRedactor, silentLogger } from "../shared/logger";
import { boundedPauseMs } from "../shared/pause";
import type { BackoffPolicy } from "./backoff";
import { DEFAULT_FILE_HOST_ALLOWLIST } from "./batchFile";
import { DEFAULT_BACKOFF, backoffDelay } from "./backoff";
import type { CredentialsProvider, MimecastCredentials } from "./credentials";
import { TOKEN_FAMILY, TOKEN_PATH } from "./endpoints";
import type { MimecastErrorDetail } from "./errors";
import {
  MimecastAuthError,
  MimecastBadResponseError,
  MimecastConfigurationError,
  MimecastPermanentError,
  MimecastRateLimitedError,
  MimecastTransientError,
} from "./errors";
import { v1AuthHeaders } from "./hmac";
import type { Budget, RateLimiter } from "./rateLimiter";
import { rateLimiterForApplication } from "./rateLimiter";
import type { JsonEnvelope } from "./responses";
import { extractErrorDetails, formatDetails, hasFailures, headerText, isRecord } from "./responses";
import { TokenProvider } from "./tokenProvider";

export interface MimecastClientOptions {
  /** API base URL, e.g. https://api.services.mimecast.com (2.0) or https://eu-api.mimecast.com (1.0). */
  baseUrl: string;
  credentials: CredentialsProvider;
  clock?: Clock;
  logger?: Logger;
  redactor?: SecretRedactor;
  /** Per-request timeout (connect + response). */
  timeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  /**
   * Rate-limit pauses up to this long are waited out inside the call; longer ones surface as
   * `MimecastRateLimitedError` (with `retryAt`) so the caller can wait on a durable timer.
   */
  maxInlineRateLimitWaitMs?: number;
  /** Client-side budgets per rate-limit family (`default` applies to the rest). */
  budgets?: Record<string, Budget>;
  /** Share a limiter explicitly; by default one per application id from a process-wide registry. */
  rateLimiter?: RateLimiter;
  /** Host names (exact) or suffixes (leading dot) allowed for presigned batch-file URLs. */
  fileHostAllowlist?: string[];
  /** Plain http for the API and file hosts; only for the simulator and tests on loopback. */
  allowInsecureHttp?: boolean;
  /** Source of jitter in [0,1). */
  random?: () => number;
  /** Largest response body read into memory (default DEFAULT_MAX_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

export interface RequestSpec {
  method: Method;
  path: string;
  family: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Form-encoded body (token endpoint). */
  form?: Record<string, string>;
  /** `none` for the token endpoint. */
  auth?: "api" | "none";
  /** Extra headers (e.g. the API 1.0 `mc-siem-token`). */
  headers?: Record<string, string>;
  /** Overrides the client's response size cap for this call (API 1.0 SIEM files). */
  maxResponseBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_INLINE_WAIT_MS = 10_000;
/**
 * Response bodies are buffered, so they are capped: a JSON page of 500 records is a few MB at most, and
 * a 300 MB "page" is a broken or hostile server, refused as a permanent error instead of held in memory.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** How many rate-limit waits one call may sit through inline before it hands the wait to its caller. */
const MAX_INLINE_RATE_LIMIT_WAITS = 3;

const NETWORK_ERROR_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
  "ERR_BAD_RESPONSE",
  "ERR_CANCELED",
]);

/**
 * The Mimecast API client: auth (2.0 OAuth, 1.0 HMAC), rate limiting, retries and typed errors.
 * Knows nothing of Azure Functions; feeds and activities build on it.
 */
export class MimecastClient {
  readonly baseUrl: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly redactor: SecretRedactor;
  readonly timeoutMs: number;
  readonly fileHostAllowlist: readonly string[];
  readonly allowInsecureHttp: boolean;
  readonly random: () => number;
  private readonly backoff: BackoffPolicy;
  private readonly maxInlineWaitMs: number;
  private readonly http: AxiosInstance;
  private readonly tokens: TokenProvider;
  private limiter?: RateLimiter;
  private readonly budgets?: Record<string, Budget>;
  private readonly maxResponseBytes: number;

  constructor(private readonly options: MimecastClientOptions) {
    this.allowInsecureHttp = options.allowInsecureHttp ?? false;
    this.baseUrl = normaliseBaseUrl(options.baseUrl, this.allowInsecureHttp);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.redactor = options.redactor ?? globalRedactor;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.maxInlineWaitMs = options.maxInlineRateLimitWaitMs ?? DEFAULT_MAX_INLINE_WAIT_MS;
    this.fileHostAllowlist = options.fileHostAllowlist ?? DEFAULT_FILE_HOST_ALLOWLIST;
    this.random = options.random ?? Math.random;
    this.budgets = options.budgets;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    if (options.rateLimiter) this.limiter = options.rateLimiter;
    this.http = axios.create({
      baseURL: this.baseUrl,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 16 }),
      maxRedirects: 0,
      validateStatus: () => true,
      responseType: "arraybuffer",
      transitional: { clarifyTimeoutError: true },
    });
    this.tokens = new TokenProvider((reload) => this.fetchToken(reload), this.clock, this.redactor);
  }

  /** Tokens fetched so far (diagnostics, tests). */
  get tokenFetchCount(): number {
    return this.tokens.fetchCount;
  }

  /**
   * API 2.0: obtains (or reuses) the bearer token now, so a caller such as `doctor` can tell a credential
   * failure from an endpoint's. API 1.0 signs every request instead, so there is nothing to fetch.
   */
  async authenticate(): Promise<"oauth2" | "hmac"> {
    const credentials = await this.options.credentials.get();
    if (credentials.kind === "oauth2") await this.tokens.get();
    return credentials.kind;
  }

  /** The limiter shared by every client of the same Mimecast application. */
  async rateLimiter(): Promise<RateLimiter> {
    if (!this.limiter) {
      const credentials = await this.options.credentials.get();
      this.limiter = rateLimiterForApplication(applicationId(credentials), this.clock, this.budgets);
    }
    return this.limiter;
  }

  /** When requests of `family` may resume (as a value), or undefined when they may go now. */
  async rateLimitedUntil(family: string): Promise<number | undefined> {
    return (await this.rateLimiter()).pausedUntil(family);
  }

  /** POST a JSON envelope to an `/api/...` endpoint; a `fail` array in a 200 is an error unless its code is accepted. */
  async postJson(
    path: string,
    family: string,
    body: unknown,
    options: { acceptFailCodes?: readonly string[] } = {},
  ): Promise<JsonEnvelope & { acceptedFailure?: MimecastErrorDetail[] }> {
    const response = await this.request({ method: "POST", path, family, body });
    return this.parseEnvelope(path, response, options.acceptFailCodes ?? []);
  }

  /** GET a REST endpoint (`/siem/v1/...`) and parse its JSON. */
  async getJson(path: string, family: string, query: RequestSpec["query"]): Promise<unknown> {
    const response = await this.request({ method: "GET", path, family, query });
    return parseJson(path, response, this.redactor);
  }

  parseEnvelope(
    path: string,
    response: RawResponse,
    acceptFailCodes: readonly string[],
  ): JsonEnvelope & { acceptedFailure?: MimecastErrorDetail[] } {
    const parsed = parseJson(path, response, this.redactor);
    if (!isRecord(parsed))
      throw new MimecastBadResponseError(
        `${path} answered with a non-object JSON body`,
        path,
        response.status,
      );
    if (hasFailures(parsed)) {
      const details = redactDetails(extractErrorDetails(parsed), this.redactor);
      if (details.length > 0 && details.every((d) => acceptFailCodes.includes(d.code))) {
        return { ...parsed, data: [], acceptedFailure: details };
      }
      const message = `Mimecast reported a failure on ${path} (HTTP ${response.status}): ${formatDetails(details) || "no detail"}`;
      if (details.some((d) => d.retryable === true)) {
        throw new MimecastTransientError(message, path, response.status, details);
      }
      throw new MimecastPermanentError(message, path, response.status, details);
    }
    return parsed;
  }

  /**
   * One logical call: rate-limit gate, auth headers, bounded retries for transient faults, one token
   * refresh on 401. Returns the raw 2xx response; everything else becomes a typed error.
   */
  async request(spec: RequestSpec): Promise<RawResponse> {
    const limiter = await this.rateLimiter();
    let transientRetries = 0;
    let rateLimitWaits = 0;
    let rateLimited = 0;
    let authRetried = false;
    for (;;) {
      // Shared budgets learn the other instances' use here; if that fails, the local budget still holds.
      await limiter.beforeAcquire?.(spec.family).catch(() => undefined);
      const decision = limiter.acquire(spec.family);
      if (decision.kind === "wait") {
        const waitMs = decision.until - this.clock.now();
        if (waitMs > this.maxInlineWaitMs || rateLimitWaits >= MAX_INLINE_RATE_LIMIT_WAITS) {
          throw new MimecastRateLimitedError(spec.path, decision.until);
        }
        rateLimitWaits += 1;
        this.logger.info("mimecast rate limit: waiting", {
          path: spec.path,
          waitMs,
          reason: decision.reason,
        });
        await this.clock.sleep(waitMs);
        continue;
      }

      let response: RawResponse;
      const sentWith = await this.authHeaders(spec);
      try {
        response = await this.send(spec, sentWith.headers);
      } catch (error) {
        const transient = this.toTransient(spec.path, error);
        if (transientRetries >= this.backoff.maxRetries) throw transient;
        transientRetries += 1;
        await this.backoffBeforeRetry(spec.path, transientRetries, transient.message);
        continue;
      }
      limiter.observe(spec.family, response.status, response.headers);

      const { status } = response;
      if (status >= 200 && status < 300) return response;
      const details = redactDetails(safeDetails(response), this.redactor);
      if (status === 401 || status === 418) {
        if (spec.auth === "none") {
          throw new MimecastAuthError(
            `Mimecast rejected ${spec.path} (HTTP ${status}): ${formatDetails(details)}`,
            spec.path,
            status,
            details,
          );
        }
        if (!authRetried) {
          authRetried = true;
          await this.recoverFromAuthFailure(sentWith.token);
          continue;
        }
        throw await this.authError(spec.path, status, details);
      }
      if (status === 429) {
        // The limiter now holds a bounded pause; the gate above decides inline vs value. Counting the
        // 429s too means no limiter state (shared, reset, clamped) can turn them into a retry loop.
        rateLimited += 1;
        if (rateLimited > MAX_INLINE_RATE_LIMIT_WAITS) {
          throw new MimecastRateLimitedError(
            spec.path,
            limiter.pausedUntil(spec.family) ?? this.clock.now() + boundedPauseMs(undefined),
          );
        }
        continue;
      }
      if (status >= 500 || status === 408) {
        const error = new MimecastTransientError(
          `Mimecast ${spec.path} answered HTTP ${status}${details.length ? `: ${formatDetails(details)}` : ""}`,
          spec.path,
          status,
          details,
        );
        if (transientRetries >= this.backoff.maxRetries) throw error;
        transientRetries += 1;
        await this.backoffBeforeRetry(spec.path, transientRetries, error.message);
        continue;
      }
      throw new MimecastPermanentError(
        `Mimecast ${spec.path} answered HTTP ${status}: ${formatDetails(details) || describePermanent(status)}`,
        spec.path,
        status,
        details,
      );
    }
  }

  private async backoffBeforeRetry(path: string, retry: number, reason: string): Promise<void> {
    const delay = backoffDelay(this.backoff, retry, this.random);
    this.logger.warn("mimecast transient failure: retrying", { path, retry, delayMs: delay, reason });
    await this.clock.sleep(delay);
  }

  private async send(spec: RequestSpec, headers: Record<string, string>): Promise<RawResponse> {
    const started = this.clock.now();
    const data = spec.form ? new URLSearchParams(spec.form).toString() : spec.body;
    const maxBytes = spec.maxResponseBytes ?? this.maxResponseBytes;
    const response: AxiosResponse<ArrayBuffer> = await this.http
      .request<ArrayBuffer>({
        method: spec.method,
        url: spec.path,
        params: spec.query,
        data,
        timeout: this.timeoutMs,
        maxContentLength: maxBytes,
        headers: {
          Accept: "application/json",
          "Accept-Encoding": "gzip, deflate",
          ...(spec.form
            ? { "Content-Type": "application/x-www-form-urlencoded" }
            : data !== undefined
              ? { "Content-Type": "application/json" }
              : {}),
          ...headers,
          ...spec.headers,
        },
      })
      .catch((error: unknown) => {
        if (error instanceof AxiosError && /maxContentLength/.test(error.message)) {
          throw new MimecastPermanentError(
            `Mimecast ${spec.path} answered with a body over ${maxBytes} bytes (the client's response cap); ` +
              `refused instead of held in memory — ask for smaller pages`,
            spec.path,
            error.response?.status,
            [{ code: "response-too-large", message: `more than ${maxBytes} bytes` }],
          );
        }
        throw error;
      });
    const flatHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(response.headers as Record<string, unknown>)) {
      const text = headerText(v);
      if (text !== undefined) flatHeaders[k.toLowerCase()] = text;
    }
    this.logger.debug("mimecast request", {
      method: spec.method,
      path: spec.path,
      status: response.status,
      ms: this.clock.now() - started,
    });
    return { status: response.status, headers: flatHeaders, body: Buffer.from(response.data) };
  }

  private toTransient(path: string, error: unknown): MimecastTransientError {
    if (error instanceof MimecastTransientError) return error;
    if (error instanceof AxiosError) {
      const code = error.code ?? "network";
      const known = NETWORK_ERROR_CODES.has(code) || error.response === undefined;
      if (known) {
        return new MimecastTransientError(
          `Mimecast ${path} failed without a response (${code}${code === "ETIMEDOUT" ? `, timeout ${this.timeoutMs} ms` : ""})`,
          path,
          undefined,
          [{ code, message: error.message }],
          { cause: error },
        );
      }
    }
    if (error instanceof Error && "code" in error) {
      return new MimecastTransientError(`Mimecast ${path} failed: ${error.message}`, path, undefined, [], {
        cause: error,
      });
    }
    throw error;
  }

  private async authHeaders(spec: RequestSpec): Promise<{ headers: Record<string, string>; token?: string }> {
    if (spec.auth === "none") return { headers: {} };
    const credentials = await this.options.credentials.get();
    if (credentials.kind === "hmac") {
      this.redactor.register(credentials.secretKey);
      return { headers: v1AuthHeaders(credentials, spec.path, this.clock.now()) };
    }
    const token = await this.tokens.get();
    return { headers: { Authorization: `Bearer ${token}` }, token };
  }

  private async recoverFromAuthFailure(rejectedToken: string | undefined): Promise<void> {
    const credentials = await this.options.credentials.get();
    if (credentials.kind === "hmac") {
      // Keys may have been rotated in Key Vault: re-read them before the one retry.
      this.options.credentials.invalidate();
      return;
    }
    await this.tokens.replace(rejectedToken ?? "");
  }

  private async authError(
    path: string,
    status: number,
    details: MimecastErrorDetail[],
  ): Promise<MimecastAuthError> {
    const credentials = await this.options.credentials.get();
    const cause =
      status === 418
        ? "the API 1.0 access key binding expired (authentication profile TTL): create new access/secret keys"
        : credentials.kind === "hmac"
          ? "the API 1.0 application id/key or access/secret key is wrong, or the keys were revoked"
          : "a fresh token was rejected too: the API 2.0 application was disabled or deleted, or its credentials were revoked";
    return new MimecastAuthError(
      `Mimecast rejected ${path} twice (HTTP ${status}${details.length ? `, ${formatDetails(details)}` : ""}); likely cause: ${cause}`,
      path,
      status,
      details,
    );
  }

  /** `POST /oauth/token` (client credentials). A rejected secret is re-read once (rotation) before giving up. */
  private async fetchToken(
    forceCredentialReload: boolean,
  ): Promise<{ accessToken: string; expiresInSeconds: number }> {
    if (forceCredentialReload) this.options.credentials.invalidate();
    for (let attempt = 1; ; attempt += 1) {
      const credentials = await this.options.credentials.get();
      if (credentials.kind !== "oauth2") {
        throw new MimecastConfigurationError("OAuth token requested with API 1.0 credentials", TOKEN_PATH);
      }
      this.redactor.register(credentials.clientSecret);
      try {
        const response = await this.request({
          method: "POST",
          path: TOKEN_PATH,
          family: TOKEN_FAMILY,
          auth: "none",
          form: {
            client_id: credentials.clientId,
            client_secret: credentials.clientSecret,
            grant_type: "client_credentials",
          },
        });
        // Never quote the token endpoint's body: it holds the token, or may echo the secret.
        const body = parseJson(TOKEN_PATH, response, this.redactor, { quoteBody: false });
        const accessToken = isRecord(body) ? body["access_token"] : undefined;
        const expiresIn = isRecord(body) ? Number(body["expires_in"]) : NaN;
        if (typeof accessToken !== "string" || accessToken.length === 0) {
          throw new MimecastBadResponseError(
            `${TOKEN_PATH} answered without an access_token${hasFailures(body) ? `: ${formatDetails(redactDetails(extractErrorDetails(body), this.redactor))}` : ""}`,
            TOKEN_PATH,
            response.status,
          );
        }
        return {
          accessToken,
          expiresInSeconds: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 1800,
        };
      } catch (error) {
        const rejected =
          error instanceof MimecastAuthError ||
          (error instanceof MimecastPermanentError && (error.status === 400 || error.status === 403));
        if (!rejected) throw error;
        if (attempt === 1) {
          this.options.credentials.invalidate();
          continue;
        }
        const e = error;
        throw new MimecastAuthError(
          `Mimecast rejected the API 2.0 client credentials for client id ${credentials.clientId} (HTTP ${e.status ?? "?"}` +
            `${e.details.length ? `, ${formatDetails(e.details)}` : ""}); likely cause: wrong MIMECAST_CLIENT_ID / ` +
            `MIMECAST_CLIENT_SECRET, a rotated secret, or the wrong base URL region`,
          TOKEN_PATH,
          e.status,
          e.details,
        );
      }
    }
  }

  /** A pre-configured plain axios instance for presigned URLs: no auth headers, no interceptors, no redirects. */
  readonly fileHttp: AxiosInstance = axios.create({
    httpAgent: new http.Agent({ keepAlive: true, maxSockets: 16 }),
    httpsAgent: new https.Agent({ keepAlive: true, maxSockets: 16 }),
    maxRedirects: 0,
    validateStatus: () => true,
    decompress: false,
    responseType: "stream",
    transitional: { clarifyTimeoutError: true },
  });
}

export function applicationId(credentials: MimecastCredentials): string {
  return credentials.kind === "oauth2" ? `oauth2:${credentials.clientId}` : `hmac:${credentials.appId}`;
}

function normaliseBaseUrl(raw: string, allowInsecureHttp: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new MimecastConfigurationError(`Mimecast base URL "${raw}" is not a URL`, "/");
  }
  if (url.protocol !== "https:" && !(allowInsecureHttp && url.protocol === "http:")) {
    throw new MimecastConfigurationError(
      `Mimecast base URL must use https (got ${url.protocol}//${url.host}); plain http is only allowed for the local simulator`,
      "/",
    );
  }
  return url.toString().replace(/\/+$/, "");
}

function parseJson(
  path: string,
  response: RawResponse,
  redactor: SecretRedactor,
  options: { quoteBody?: boolean } = {},
): unknown {
  const text = response.body.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const quoted =
      options.quoteBody === false
        ? ""
        : `: ${JSON.stringify(redactor.redact(text.slice(0, 4096)).slice(0, 80))}`;
    throw new MimecastBadResponseError(
      `${path} answered HTTP ${response.status} with a body that is not JSON (${text.length} chars${quoted})`,
      path,
      response.status,
    );
  }
}

/** Server-provided error text may quote what we sent (an echoed secret): redact it before it travels. */
function redactDetails(details: MimecastErrorDetail[], redactor: SecretRedactor): MimecastErrorDetail[] {
  return details.map((d) => ({ ...d, code: redactor.redact(d.code), message: redactor.redact(d.message) }));
}

function safeDetails(response: RawResponse): MimecastErrorDetail[] {
  try {
    return extractErrorDetails(JSON.parse(response.body.toString("utf8")));
  } catch {
    return [];
  }
}

function describePermanent(status: number): string {
  switch (status) {
    case 400:
      return "bad request (check the request parameters)";
    case 403:
      return "forbidden: the API application's role lacks the permission, or the product is not enabled for this account";
    case 404:
      return "not found: wrong base URL or endpoint not available for this account";
    default:
      return "request refused";
  }
}
