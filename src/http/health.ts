import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { ConfigError, loadConfig } from "../config";

/**
 * `GET /api/health`: is the configuration valid? Answers 200 with the enabled feeds and sink kind, or
 * 503 with every configuration problem by setting name. Never returns secret values (the config
 * wraps them; problems never echo them).
 */
export function createHealthHandler(
  env: () => Record<string, string | undefined>,
  now: () => number,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (_request, context) => {
    try {
      const config = loadConfig(env(), now());
      return Promise.resolve({
        status: 200,
        jsonBody: {
          status: "ok",
          apiVersion: config.mimecast.apiVersion,
          baseUrl: config.mimecast.baseUrl,
          sink: config.sink.kind,
          feeds: config.ingestion.feeds,
          schedule: config.ingestion.schedule,
          warnings: config.warnings,
        },
      });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      context.warn(error.message);
      return Promise.resolve({
        status: 503,
        jsonBody: { status: "invalid-configuration", issues: error.issues, warnings: error.warnings },
      });
    }
  };
}
