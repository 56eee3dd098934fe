/**
 * The simulator's own endpoints under `/__sim/` (no auth, no faults, no rate limits), for CLI users and
 * for tests in other processes: health, ground truth as NDJSON, clock control, faults, request log.
 */
import { Readable } from "node:stream";
import { groundTruth } from "../core/ground-truth";
import { parseMimecastTime } from "../core/time-format";
import { FEEDS } from "../feeds/catalog";
import { isFeedKey } from "../feeds/types";
import type { ApiRequest, SimContext, SimResponse } from "../http/context";
import type { FaultRule } from "../http/faults";
import { json } from "../http/responses";

export function handleAdmin(request: ApiRequest, sim: SimContext): SimResponse {
  const route = `${request.method} ${request.path}`;
  switch (route) {
    case "GET /__sim/health":
      return json(200, {
        status: "ok",
        now: sim.clock.now(),
        url: sim.apiBaseUrl(),
        fileBaseUrl: sim.fileBaseUrl(),
      });
    case "GET /__sim/ground-truth":
      return groundTruthResponse(request, sim);
    case "GET /__sim/clock":
      return json(200, { now: sim.clock.now(), iso: new Date(sim.clock.now()).toISOString() });
    case "POST /__sim/clock":
      return moveClock(request, sim);
    case "POST /__sim/faults":
      return injectFault(request, sim);
    case "DELETE /__sim/faults":
      sim.faults.clear();
      return json(200, { cleared: true });
    case "GET /__sim/malformed-lines":
      return json(200, sim.faults.malformedLines());
    case "GET /__sim/requests": {
      const since = Number(request.query.get("since") ?? 0);
      return json(200, sim.requestLog.entries.slice(Number.isInteger(since) && since > 0 ? since : 0));
    }
    case "POST /__sim/expire-tokens":
      sim.tokens.expireAll();
      return json(200, { expired: true });
    default:
      return json(404, { error: { code: "not_found", message: `No simulator route ${route}` } });
  }
}

/** Accepts epoch ms or any time format the JSON endpoints accept. */
function parseInstant(text: string | null): number | undefined {
  if (text === null || text === "") return undefined;
  return /^\d+$/.test(text) ? Number(text) : parseMimecastTime(text);
}

function groundTruthResponse(request: ApiRequest, sim: SimContext): SimResponse {
  const feed = request.query.get("feed");
  if (!isFeedKey(feed))
    return json(400, {
      error: { code: "invalid_feed", message: `feed must be one of ${Object.keys(FEEDS).join(", ")}` },
    });
  const from = parseInstant(request.query.get("from"));
  const to = parseInstant(request.query.get("to"));
  const publishedBy = parseInstant(request.query.get("publishedBy"));
  if (
    from === undefined ||
    to === undefined ||
    Number.isNaN(from) ||
    Number.isNaN(to) ||
    (publishedBy !== undefined && Number.isNaN(publishedBy))
  ) {
    return json(400, {
      error: { code: "invalid_range", message: "from and to are required (epoch ms or ISO 8601)" },
    });
  }
  const type = request.query.get("type") ?? undefined;
  if (type !== undefined && !FEEDS[feed].types.includes(type)) {
    return json(400, {
      error: { code: "invalid_type", message: `type must be one of ${FEEDS[feed].types.join(", ")}` },
    });
  }
  const basis = request.query.get("basis") === "publish" ? "publish" : "event";
  const events = groundTruth(sim.universe, feed, { from, to, type, publishedBy, basis });
  const lines = (function* () {
    for (const event of events) yield `${JSON.stringify(event)}\n`;
  })();
  return { status: 200, headers: { "Content-Type": "application/x-ndjson" }, body: Readable.from(lines) };
}

function moveClock(request: ApiRequest, sim: SimContext): SimResponse {
  const body = (request.body ?? {}) as { advanceMs?: unknown; set?: unknown };
  if (typeof body.advanceMs === "number" && Number.isFinite(body.advanceMs))
    sim.clock.advance(body.advanceMs);
  else if (typeof body.set === "number" && Number.isFinite(body.set)) sim.clock.set(body.set);
  else if (typeof body.set === "string" && !Number.isNaN(parseMimecastTime(body.set)))
    sim.clock.set(parseMimecastTime(body.set));
  else
    return json(400, {
      error: { code: "invalid_clock_change", message: 'send {"advanceMs": n} or {"set": epochMs | ISO}' },
    });
  return json(200, { now: sim.clock.now(), iso: new Date(sim.clock.now()).toISOString() });
}

/** JSON can't carry a RegExp: `match.pathPattern` is compiled into `match.path`. */
function injectFault(request: ApiRequest, sim: SimContext): SimResponse {
  const body = request.body as (FaultRule & { match?: { pathPattern?: string } }) | undefined;
  if (!body || typeof body !== "object" || typeof body.kind !== "string") {
    return json(400, { error: { code: "invalid_fault", message: "send a fault rule with a kind" } });
  }
  const rule: FaultRule = { ...body };
  if (body.match?.pathPattern !== undefined) {
    const { pathPattern, ...rest } = body.match;
    rule.match = { ...rest, path: new RegExp(pathPattern) };
  }
  if ((body as { times?: unknown }).times === null) rule.times = Number.POSITIVE_INFINITY;
  try {
    const handle = sim.faults.inject(rule);
    return json(200, { injected: handle.rule.kind, remaining: handle.remaining });
  } catch (error) {
    return json(400, { error: { code: "invalid_fault", message: (error as Error).message } });
  }
}
