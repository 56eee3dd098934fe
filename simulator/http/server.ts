/**
 * Two loopback listeners: the Mimecast API and the presigned-file host (a separate port, like S3 is a
 * separate host, so tests can prove the Mimecast bearer never travels to it). Each API request goes
 * through: transport faults → body → authentication → permissions → rate limit → page faults → handler.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable, pipeline } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import { handleAdmin } from "../handlers/admin";
import { serveBatchFile } from "../handlers/file-host";
import { authenticate, authenticateTokenRequest } from "./authenticate";
import type { ApiRequest, SimContext, SimResponse } from "./context";
import type { EndpointSpec, RequestFamily } from "./endpoints";
import { STREAM_FAMILIES, findEndpoint } from "./endpoints";
import type { FaultRequest } from "./faults";
import { RateLimiter, rateLimitHeaders } from "./rate-limiter";
import type { RequestLogEntry } from "./request-log";
import { functionFail, gatewayFail, json, s3Error, v1Fail } from "./responses";
import type { Route } from "./routes";
import { buildRoutes } from "./routes";

const MAX_BODY_BYTES = 1024 * 1024;

class BodyTooLargeError extends Error {}

export class SimulatorServer {
  private readonly api: http.Server;
  private readonly files: http.Server;
  private readonly routes = buildRoutes();
  private readonly rateLimiter: RateLimiter | undefined;
  /** The SIEM stream's own, lower quota. */
  private readonly streamRateLimiter: RateLimiter | undefined;
  /** Last page served per application and path, replayed by the `duplicate-page` fault. */
  private readonly previousPages = new Map<string, SimResponse>();
  private apiUrl = "";
  private fileUrl = "";

  constructor(private readonly sim: SimContext) {
    this.rateLimiter = sim.options.rateLimit ? new RateLimiter(sim.options.rateLimit) : undefined;
    const streamLimit = sim.options.siemStream.rateLimit;
    this.streamRateLimiter = streamLimit ? new RateLimiter(streamLimit) : undefined;
    this.api = http.createServer((req, res) => {
      void this.handle("api", req, res);
    });
    this.files = http.createServer((req, res) => {
      void this.handle("file", req, res);
    });
  }

  get url(): string {
    return this.apiUrl;
  }

  get fileBaseUrl(): string {
    return this.fileUrl;
  }

  async listen(): Promise<void> {
    const { host, port, fileHostPort } = this.sim.options;
    this.apiUrl = await listenOn(this.api, host, port);
    try {
      this.fileUrl = await listenOn(this.files, host, fileHostPort);
    } catch (error) {
      await closeServer(this.api);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([closeServer(this.api), closeServer(this.files)]);
  }

  private async handle(
    host: "api" | "file",
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    res.sendDate = false;
    const now = this.sim.clock.now();
    const url = new URL(req.url ?? "/", "http://simulator.invalid");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const endpoint = host === "api" ? findEndpoint(path) : undefined;
    const family: RequestFamily =
      host === "file"
        ? "siem-file"
        : path.startsWith("/__sim/")
          ? "sim-admin"
          : (endpoint?.family ?? "unknown");
    const authorization = req.headers.authorization;
    const entry: RequestLogEntry = {
      at: now,
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      family,
      host,
      hadAuthorizationOnFileHost: host === "file" && authorization !== undefined,
      status: 0,
    };
    if (authorization?.startsWith("Bearer ")) entry.authorizationScheme = "Bearer";
    else if (authorization?.startsWith("MC ")) entry.authorizationScheme = "MC";
    this.sim.requestLog.add(entry);
    const noteFault = (kind: string): void => {
      entry.fault = entry.fault ? `${entry.fault},${kind}` : kind;
    };

    try {
      const request: ApiRequest = {
        method,
        path,
        query: url.searchParams,
        headers: req.headers,
        rawBody: Buffer.alloc(0),
        body: undefined,
        now,
      };
      let response: SimResponse | undefined;
      let extraHeaders: Record<string, string> = {};
      if (family === "sim-admin") {
        await readJsonBody(req, request);
        response = handleAdmin(request, this.sim);
      } else {
        const transport = await this.transportFaults({ family, path, method }, req, res, noteFault);
        if (transport === "gone") return;
        if (transport) {
          response = transport;
        } else if (host === "file") {
          response = await this.serveFile(request, noteFault);
        } else if (!endpoint) {
          response = gatewayFail(404, "not_found", `No endpoint ${path}.`);
        } else if (method !== endpoint.method) {
          response = gatewayFail(405, "method_not_allowed", `${path} only accepts ${endpoint.method}.`);
        } else {
          await readJsonBody(req, request);
          entry.body = endpoint.envelope === "oauth" ? redactTokenRequest(request.rawBody) : request.body;
          ({ response, extraHeaders } = await this.serveApi(endpoint, request, entry, noteFault));
        }
      }
      this.send(res, entry, response, extraHeaders);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        this.send(res, entry, gatewayFail(413, "request_too_large", "Request body exceeds 1 MiB."), {});
        return;
      }
      if (!res.headersSent)
        this.send(res, entry, json(500, { fail: [{ code: "internal_error", message: String(error) }] }), {});
      else res.destroy();
    }
  }

  /** Faults that act before the request is even read. Returns "gone" when the socket is gone. */
  private async transportFaults(
    request: FaultRequest,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    noteFault: (kind: string) => void,
  ): Promise<SimResponse | "gone" | undefined> {
    const kinds =
      request.family === "siem-file"
        ? (["reset", "http-status", "slow"] as const)
        : (["reset", "http-status", "slow", "rate-limit"] as const);
    const fault = this.sim.faults.take(kinds, request);
    if (!fault) return undefined;
    noteFault(fault.kind);
    switch (fault.kind) {
      case "reset":
        req.socket.destroy();
        return "gone";
      case "http-status": {
        const body = fault.body ?? {
          fail: [{ code: "simulated_error", message: `Simulated HTTP ${fault.status}` }],
        };
        const response: SimResponse =
          typeof body === "string" ? { status: fault.status, body } : json(fault.status, body);
        response.headers = { ...response.headers, ...fault.headers };
        return response;
      }
      case "rate-limit": {
        const limit = this.sim.options.rateLimit ? this.sim.options.rateLimit.limit : 0;
        return {
          ...gatewayFail(429, "rate_limit_exceeded", "Rate limit exceeded (simulated)."),
          headers: rateLimitHeaders({ limit, remaining: 0, resetMs: fault.resetMs ?? 1000 }),
        };
      }
      case "slow": {
        const gone = new AbortController();
        res.on("close", () => gone.abort());
        try {
          await delay(fault.delayMs, undefined, { signal: gone.signal });
        } catch {
          return "gone";
        }
        return undefined;
      }
    }
  }

  private async serveFile(request: ApiRequest, noteFault: (kind: string) => void): Promise<SimResponse> {
    // S3 refuses a presigned URL that also carries an Authorization header: a leaked bearer fails loudly.
    if (request.headers.authorization !== undefined) {
      return s3Error(
        400,
        "InvalidArgument",
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified",
      );
    }
    return serveBatchFile(request, this.sim, noteFault);
  }

  private async serveApi(
    endpoint: EndpointSpec,
    request: ApiRequest,
    entry: RequestLogEntry,
    noteFault: (kind: string) => void,
  ): Promise<{ response: SimResponse; extraHeaders: Record<string, string> }> {
    const route = this.routes.get(endpoint.path) as Route;
    const faultRequest: FaultRequest = {
      family: endpoint.family,
      path: endpoint.path,
      method: request.method,
    };

    if (endpoint.auth === "none") {
      const outcome = authenticateTokenRequest(request.rawBody, this.sim);
      if (!outcome.ok) return { response: outcome.response, extraHeaders: {} };
      request.app = outcome.app;
    } else {
      const outcome = authenticate(endpoint, request.headers, this.sim, request.now);
      if (!outcome.ok) return { response: outcome.response, extraHeaders: {} };
      request.app = outcome.app;
      if (outcome.bearer && this.sim.faults.take(["token-expired"], faultRequest)) {
        noteFault("token-expired");
        this.sim.tokens.expire(outcome.bearer);
        return {
          response: gatewayFail(401, "token_expired", "The access token has expired."),
          extraHeaders: {},
        };
      }
    }
    const app = request.app;
    entry.appId = app.id;

    // Permissions model the role's product/permission set; obtaining a token needs none.
    const allowed = endpoint.auth === "none" ? undefined : this.sim.options.permissions[app.id];
    if (allowed && !allowed.includes(endpoint.family)) {
      const message = `The application's role does not permit ${endpoint.family} (${endpoint.path}).`;
      const response =
        endpoint.auth === "bearer-or-hmac"
          ? v1Fail(403, "err_xdk_forbidden", message)
          : gatewayFail(403, "forbidden", message);
      return { response, extraHeaders: {} };
    }

    let extraHeaders: Record<string, string> = {};
    const isStream = STREAM_FAMILIES.has(endpoint.family);
    const limiter = isStream ? this.streamRateLimiter : this.rateLimiter;
    const limitOptions = isStream ? this.sim.options.siemStream.rateLimit : this.sim.options.rateLimit;
    if (limiter) {
      const decision = limiter.take(app.id, endpoint.family, request.now);
      const headers = rateLimitHeaders(decision);
      if (!decision.allowed) {
        return {
          response: gatewayFail(
            429,
            "rate_limit_exceeded",
            `Rate limit exceeded for ${endpoint.family}; retry after ${decision.resetMs} ms.`,
          ),
          extraHeaders: headers,
        };
      }
      if (limitOptions && !limitOptions.headersOnlyOn429) extraHeaders = headers;
    }

    // A replayed page belongs to the same query (same filter or type list), as when Mimecast serves a
    // page twice; replaying another query's page would be a different fault.
    const pageKey = `${app.id}\u0000${endpoint.path}\u0000${queryIdentity(request)}`;
    const previous = this.previousPages.get(pageKey);
    // Only a request for a *next* page can be answered with the page before it.
    if (
      route.paged &&
      previous &&
      hasPageToken(request) &&
      this.sim.faults.take(["duplicate-page"], faultRequest)
    ) {
      noteFault("duplicate-page");
      return { response: previous, extraHeaders };
    }
    if (endpoint.auth === "bearer-or-hmac") {
      const fault = this.sim.faults.take(["fail-in-200"], faultRequest);
      if (fault) {
        noteFault("fail-in-200");
        const error = {
          code: fault.code ?? "err_simulated_failure",
          message: fault.message ?? "Simulated function-level failure.",
          retryable: fault.retryable ?? false,
        };
        return { response: functionFail(error), extraHeaders };
      }
    }

    const response = await route.handler(request, this.sim);
    if (route.paged && response.status === 200 && response.json !== undefined)
      this.previousPages.set(pageKey, response);
    return { response, extraHeaders };
  }

  private send(
    res: http.ServerResponse,
    entry: RequestLogEntry,
    response: SimResponse,
    extraHeaders: Record<string, string>,
  ): void {
    if (res.destroyed || res.headersSent) return;
    entry.status = response.status;
    const headers: Record<string, string | number> = {
      Date: new Date(this.sim.clock.now()).toUTCString(),
      ...extraHeaders,
      ...response.headers,
    };
    let body = response.body;
    if (response.json !== undefined) {
      body = JSON.stringify(response.json);
      headers["Content-Type"] = "application/json";
    }
    if (typeof body === "string" || Buffer.isBuffer(body))
      headers["Content-Length"] = Buffer.byteLength(body);
    res.writeHead(response.status, headers);
    if (body instanceof Readable) {
      pipeline(body, res, (error) => {
        if (error) res.destroy();
      });
    } else {
      res.end(body);
    }
  }
}

async function readJsonBody(req: http.IncomingMessage, request: ApiRequest): Promise<void> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    total += (chunk as Buffer).length;
    if (total > MAX_BODY_BYTES) throw new BodyTooLargeError();
    chunks.push(chunk as Buffer);
  }
  request.rawBody = Buffer.concat(chunks);
  const text = request.rawBody.toString("utf8").trim();
  if (text === "" || (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded"))
    return;
  try {
    request.body = JSON.parse(text);
  } catch (error) {
    request.bodyError = (error as Error).message;
  }
}

/** The token request is logged without its client secret. */
function redactTokenRequest(rawBody: Buffer): Record<string, string> {
  const form = new URLSearchParams(rawBody.toString("utf8"));
  form.delete("client_secret");
  return Object.fromEntries(form);
}

function listenOn(server: http.Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** What names a paged query apart from its position: query string and body without page tokens. */
function queryIdentity(request: { query: URLSearchParams; body: unknown }): string {
  const query = [...request.query.entries()]
    .filter(([name]) => name !== "nextPage" && name !== "pageToken")
    .sort(([a], [b]) => a.localeCompare(b));
  const body = JSON.stringify(request.body ?? null, (key, value: unknown) =>
    key === "pagination" ? undefined : value,
  );
  return JSON.stringify([query, body]);
}

function hasPageToken(request: { query: URLSearchParams; body: unknown }): boolean {
  if (request.query.get("nextPage") || request.query.get("pageToken")) return true;
  const body = request.body as { meta?: { pagination?: { pageToken?: unknown } } } | undefined;
  return typeof body?.meta?.pagination?.pageToken === "string";
}
