/**
 * The only file that registers functions with the Azure Functions host (`package.json` "main").
 * Handlers live in src/http, src/orchestrators, src/activities and src/entities; they never register
 * themselves, so tests and the local host can import them without side effects.
 */
import { app } from "@azure/functions";
import * as df from "durable-functions";
import { ingestUnitActivity, readCycleSettingsActivity, writeHealthActivity } from "./activities/ingestion";
import { activityClientInput } from "./activities/checkpointChannel";
import { checkpointEntity } from "./entities/checkpoint";
import { controlEntity } from "./entities/control";
import { digestEntity } from "./entities/digest";
import { rateLimitEntity } from "./entities/rateLimit";
import {
  ingestionStatus,
  resetCheckpointRequest,
  startBackfill,
  startIngestion,
  terminateIngestion,
} from "./http/control";
import { controlHttpHandler, watchdogTimerHandler } from "./http/durableControl";
import { createHealthHandler } from "./http/health";
import { backfillOrchestrator } from "./orchestrators/backfill";
import { FUNCTIONS } from "./orchestrators/names";
import { supervisorOrchestrator } from "./orchestrators/supervisor";

/** Same default as the MIMECAST_SCHEDULE setting; the timer binding needs it at registration time. */
const schedule = process.env["MIMECAST_SCHEDULE"] ?? "0 */5 * * * *";

app.http("health", {
  methods: ["GET"],
  authLevel: "function",
  route: "health",
  handler: createHealthHandler(
    () => process.env,
    () => Date.now(),
  ),
});

df.app.orchestration(FUNCTIONS.supervisor, supervisorOrchestrator);
df.app.orchestration(FUNCTIONS.backfill, backfillOrchestrator);
df.app.entity(FUNCTIONS.checkpoint, checkpointEntity);
df.app.entity(FUNCTIONS.digest, digestEntity);
df.app.entity(FUNCTIONS.control, controlEntity);
df.app.entity(FUNCTIONS.rateLimit, rateLimitEntity);
df.app.activity(FUNCTIONS.readCycleSettings, { handler: readCycleSettingsActivity });
// The durable client input lets a running unit checkpoint its progress and store its digest.
df.app.activity(FUNCTIONS.ingestUnit, { handler: ingestUnitActivity, extraInputs: [activityClientInput] });
df.app.activity(FUNCTIONS.writeHealth, { handler: writeHealthActivity });

const control = (
  name: string,
  method: "GET" | "POST",
  route: string,
  action: Parameters<typeof controlHttpHandler>[0],
): void =>
  df.app.client.http(name, {
    methods: [method],
    authLevel: "function",
    route,
    handler: controlHttpHandler(action),
  });

control("ingestionStart", "POST", "ingestion/start", (deps) => startIngestion(deps));
control("ingestionStatus", "GET", "ingestion/status", (deps) => ingestionStatus(deps));
control("ingestionTerminate", "POST", "ingestion/terminate", terminateIngestion);
control("ingestionBackfill", "POST", "ingestion/backfill", startBackfill);
control("ingestionReset", "POST", "ingestion/reset", resetCheckpointRequest);

df.app.client.timer("ingestionWatchdog", { schedule, handler: watchdogTimerHandler });
