/**
 * The only file that registers functions with the Azure Functions host (`package.json` "main").
 * Handlers live in src/http, src/orchestrators, src/activities and src/entities; they never register
 * themselves, so tests can import them without side effects.
 */
import { app } from "@azure/functions";
import { createHealthHandler } from "./http/health";

app.http("health", {
  methods: ["GET"],
  authLevel: "function",
  route: "health",
  handler: createHealthHandler(
    () => process.env,
    () => Date.now(),
  ),
});
