import type { ActivityHandler } from "durable-functions";
import type { IngestUnitInput } from "../orchestrators/dispatch";
import type { WriteHealthInput } from "../orchestrators/supervisor";
import type { UnitResult } from "../planning/types";
import { cycleSettingsFrom } from "../runtime/cycleSettings";
import { writeHealthRows } from "../runtime/health";
import { channelFrom } from "./checkpointChannel";
import { ingestWithProgress } from "./unitProgress";
import type { CycleSettings } from "../planning/types";
import { appRuntime } from "./appRuntime";

/**
 * Thin Durable adapters: each activity unpacks its small input, calls domain code, and returns a small
 * value. Expected conditions (rate-limited, partial, failed) come back as data; only transient faults
 * before anything was ingested are thrown, for the retry policy.
 */

export const readCycleSettingsActivity: ActivityHandler = (): CycleSettings =>
  cycleSettingsFrom(appRuntime().config);

/** Registered with the durable client input (`activityClientInput`): progress goes to the entities. */
export const ingestUnitActivity: ActivityHandler = async (input: unknown, context): Promise<UnitResult> => {
  const { unit, budgetMs } = input as IngestUnitInput;
  return ingestWithProgress(appRuntime(), unit, budgetMs, channelFrom(context));
};

export const writeHealthActivity: ActivityHandler = async (input: unknown) => {
  const { instanceId, report } = input as WriteHealthInput;
  const runtime = appRuntime();
  const result = await writeHealthRows(runtime.sink, instanceId, report);
  if (result.error) runtime.logger.warn("health rows not written", { error: result.error });
  return result;
};
