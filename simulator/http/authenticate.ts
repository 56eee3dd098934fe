/** Who is calling: OAuth bearer tokens (API 2.0) and API 1.0 HMAC signatures. */
import type { IncomingHttpHeaders } from "node:http";
import type { AppIdentity } from "../core/options";
import type { SimContext, SimResponse } from "./context";
import type { EndpointSpec } from "./endpoints";
import { verifyHmac } from "./hmac";
import { gatewayFail, json, v1Fail } from "./responses";

export type AuthOutcome =
  | { ok: true; app: AppIdentity; scheme: "Bearer" | "MC"; bearer?: string }
  | { ok: false; response: SimResponse; scheme?: "Bearer" | "MC" };

export function authenticate(
  endpoint: EndpointSpec,
  headers: IncomingHttpHeaders,
  sim: SimContext,
  now: number,
): AuthOutcome {
  const authorization = typeof headers.authorization === "string" ? headers.authorization.trim() : "";
  if (/^MC\s/.test(authorization)) {
    if (endpoint.auth !== "bearer-or-hmac") {
      return {
        ok: false,
        scheme: "MC",
        response: gatewayFail(401, "unauthorized", "This endpoint requires an API 2.0 bearer token."),
      };
    }
    const result = verifyHmac(headers, endpoint.path, sim.options.applications, now);
    if (!result.ok)
      return { ok: false, scheme: "MC", response: v1Fail(result.status, result.code, result.message) };
    return { ok: true, scheme: "MC", app: result.app };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
  if (!bearer) {
    return {
      ok: false,
      response: gatewayFail(401, "unauthorized", "Missing or malformed Authorization header."),
    };
  }
  const check = sim.tokens.check(bearer);
  if (check.status === "unknown") {
    return {
      ok: false,
      scheme: "Bearer",
      response: gatewayFail(401, "unauthorized", "The access token is invalid."),
    };
  }
  if (check.status === "expired") {
    return {
      ok: false,
      scheme: "Bearer",
      response: gatewayFail(401, "token_expired", "The access token has expired."),
    };
  }
  const app = sim.options.applications.find((a) => a.id === check.appId);
  if (!app)
    return {
      ok: false,
      scheme: "Bearer",
      response: gatewayFail(401, "unauthorized", "The application no longer exists."),
    };
  return { ok: true, scheme: "Bearer", app, bearer };
}

export type TokenRequestOutcome = { ok: true; app: AppIdentity } | { ok: false; response: SimResponse };

/** `POST /oauth/token` with a form-encoded client_credentials grant. */
export function authenticateTokenRequest(rawBody: Buffer, sim: SimContext): TokenRequestOutcome {
  const form = new URLSearchParams(rawBody.toString("utf8"));
  const grantType = form.get("grant_type");
  if (grantType !== "client_credentials") {
    return {
      ok: false,
      response: json(400, {
        error: grantType ? "unsupported_grant_type" : "invalid_request",
        error_description: "grant_type must be client_credentials",
      }),
    };
  }
  const clientId = form.get("client_id") ?? "";
  const app = sim.options.applications.find((a) => a.kind === "oauth2" && a.clientId === clientId);
  if (!app || app.kind !== "oauth2" || app.clientSecret !== (form.get("client_secret") ?? "")) {
    return { ok: false, response: json(401, { error: "Client credentials are invalid" }) };
  }
  return { ok: true, app };
}
