import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { ConfigError } from "../config";
import { appRuntime } from "../activities/appRuntime";
import type { ControlClient, ControlDeps, ControlResponse } from "./control";
import { globalRedactor } from "../shared/logger";
import { purgeFinishedBackfills, watchdog } from "./control";

/**
 * The DurableClient calls the control surface makes. No `createHttpManagementPayload`: its links
 * carry the extension's system key, which would hand any function-key holder full task-hub control.
 */
export function toControlClient(client: DurableClient): ControlClient {
  return {
    startNew: (name, options) => client.startNew(name, options),
    getStatus: (id) => client.getStatus(id),
    // The SDK puts the reason into the query string as is.
    terminate: (id, reason) => client.terminate(id, encodeURIComponent(reason)),
    readEntityState: (id) => client.readEntityState(id),
    signalEntity: (id, op, content) => client.signalEntity(id, op, content),
    raiseEvent: (id, name, data) => client.raiseEvent(id, name, data),
    purgeInstanceHistory: (id) => client.purgeInstanceHistory(id),
  };
}

/**
 * Who is calling, for the audit trail. `x-ms-client-principal-*` headers are only trustworthy when
 * App Service Authentication (Easy Auth) is on — the platform then strips any a client sent and sets
 * them itself; it also sets WEBSITE_AUTH_ENABLED. Otherwise anyone holding the function key could
 * claim any name, so the caller is just "function key".
 */
export function callerIdentity(
  headers: { get(name: string): string | null },
  env: Record<string, string | undefined>,
): string {
  if ((env["WEBSITE_AUTH_ENABLED"] ?? "").toLowerCase() !== "true") return "function key";
  const name = headers.get("x-ms-client-principal-name");
  const id = headers.get("x-ms-client-principal-id");
  if (!name || !id) return "function key";
  return `${name.slice(0, 200)} (${id.slice(0, 64)})`;
}

type ControlAction = (deps: ControlDeps, body: unknown) => Promise<ControlResponse>;

/**
 * Wraps a control action as a Durable client HTTP handler: configuration problems answer 503 naming
 * the settings, a body that is not JSON answers 400.
 */
export function controlHttpHandler(
  action: ControlAction,
): (request: HttpRequest, client: DurableClient, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, client, context) => {
    let body: unknown = undefined;
    if (request.method === "POST") {
      const text = await request.text();
      try {
        body = text.trim() === "" ? {} : (JSON.parse(text) as unknown);
      } catch {
        return { status: 400, jsonBody: { error: "request body is not valid JSON" } };
      }
    }
    try {
      const runtime = appRuntime();
      const caller = callerIdentity(request.headers, process.env);
      const result = await action(
        {
          client: toControlClient(client),
          config: runtime.config,
          now: () => Date.now(),
          logger: runtime.logger,
          caller,
        },
        body,
      );
      return { status: result.status, jsonBody: result.body };
    } catch (error) {
      if (error instanceof ConfigError) {
        context.warn(error.message);
        return { status: 503, jsonBody: { error: "invalid configuration", issues: error.issues } };
      }
      // An internal message may name hosts, keys or settings: log it, answer without it.
      context.error(
        globalRedactor.redact(error instanceof Error ? (error.stack ?? error.message) : String(error)),
      );
      return { status: 503, jsonBody: { error: "the control request could not be completed; try again" } };
    }
  };
}

/** Timer-triggered watchdog: (re)starts the supervisor unless an operator stopped it. */
export async function watchdogTimerHandler(
  _timer: Timer,
  client: DurableClient,
  context: InvocationContext,
): Promise<void> {
  const runtime = appRuntime();
  const deps = {
    client: toControlClient(client),
    config: runtime.config,
    now: () => Date.now(),
    logger: runtime.logger,
    caller: "watchdog",
  };
  const outcome = await watchdog(deps);
  context.log(`watchdog: supervisor ${outcome}`);
  try {
    const purged = await purgeFinishedBackfills(deps);
    if (purged.length > 0) context.log(`watchdog: purged ${purged.length} finished backfills`);
  } catch (error) {
    context.warn(`watchdog: backfill purge failed: ${globalRedactor.redact(String(error))}`);
  }
}
