import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from "@azure/functions";
import type { DurableClient } from "durable-functions";
import { ConfigError } from "../config";
import { appRuntime } from "../activities/appRuntime";
import type { ControlClient, ControlDeps, ControlResponse } from "./control";
import { watchdog } from "./control";

/** DurableClient already has what the control surface needs, except the links helper's name. */
export function toControlClient(client: DurableClient): ControlClient {
  return {
    startNew: (name, options) => client.startNew(name, options),
    getStatus: (id) => client.getStatus(id),
    getStatusBy: (filter) => client.getStatusBy(filter),
    // The SDK puts the reason into the query string as is.
    terminate: (id, reason) => client.terminate(id, encodeURIComponent(reason)),
    readEntityState: (id) => client.readEntityState(id),
    signalEntity: (id, op, content) => client.signalEntity(id, op, content),
    managementLinks: (id) => ({ ...client.createHttpManagementPayload(id) }),
  };
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
      const caller = request.headers.get("x-ms-client-principal-name") ?? "function key";
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
      throw error;
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
  const outcome = await watchdog({
    client: toControlClient(client),
    config: runtime.config,
    now: () => Date.now(),
    logger: runtime.logger,
    caller: "watchdog",
  });
  context.log(`watchdog: supervisor ${outcome}`);
}
