/** Which handler serves each endpoint of the table in `endpoints.ts`. */
import { AWARENESS_ENDPOINTS, awarenessHandler } from "../handlers/awareness";
import { siemBatchHandler } from "../handlers/siem-batch";
import { siemStreamHandler } from "../handlers/siem-stream";
import { siemV1Handler } from "../handlers/siem-v1";
import {
  getIncidentHandler,
  threatEventDetailsHandler,
  threatEventsHandler,
} from "../handlers/threat-events";
import { threatIntelHandler } from "../handlers/threat-intel";
import { WINDOWED_LOG_ENDPOINTS, windowedLogHandler } from "../handlers/windowed-logs";
import type { Handler } from "./context";
import { ENDPOINTS, THREAT_EVENT_DETAILS_TEMPLATE } from "./endpoints";
import { json } from "./responses";

/** `POST /oauth/token` once the client credentials checked out (see `authenticateTokenRequest`). */
const issueToken: Handler = (request, sim) => {
  if (!request.app) throw new Error("token request reached the handler unauthenticated");
  const ttl = sim.options.tokenTtlSeconds;
  return json(200, {
    access_token: sim.tokens.issue(request.app.id, ttl),
    token_type: "Bearer",
    expires_in: ttl,
  });
};

export interface Route {
  handler: Handler;
  /** Paged endpoints remember their last page per application, for the `duplicate-page` fault. */
  paged: boolean;
}

export function buildRoutes(): Map<string, Route> {
  const routes = new Map<string, Route>([
    ["/oauth/token", { handler: issueToken, paged: false }],
    ["/siem/v1/batch/events/cg", { handler: siemBatchHandler("cg"), paged: true }],
    ["/siem/v1/batch/events/ci", { handler: siemBatchHandler("ci"), paged: true }],
    ["/siem/v1/events/cg", { handler: siemStreamHandler("cg"), paged: true }],
    ["/siem/v1/events/ci", { handler: siemStreamHandler("ci"), paged: true }],
    ["/api/audit/get-siem-logs", { handler: siemV1Handler, paged: false }],
    ["/api/ttp/threat-intel/get-feed", { handler: threatIntelHandler, paged: false }],
    ["/api/ttp/remediation/get-incident", { handler: getIncidentHandler, paged: false }],
    ["/threats/v1/events", { handler: threatEventsHandler, paged: true }],
    [THREAT_EVENT_DETAILS_TEMPLATE, { handler: threatEventDetailsHandler, paged: false }],
  ]);
  for (const [path, spec] of Object.entries(WINDOWED_LOG_ENDPOINTS))
    routes.set(path, { handler: windowedLogHandler(path, spec), paged: true });
  for (const [path, spec] of Object.entries(AWARENESS_ENDPOINTS))
    routes.set(path, { handler: awarenessHandler(path, spec), paged: true });
  for (const endpoint of ENDPOINTS) {
    if (!routes.has(endpoint.path)) throw new Error(`endpoint ${endpoint.path} has no handler`);
  }
  return routes;
}
