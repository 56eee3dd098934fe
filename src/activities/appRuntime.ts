import { loadConfig } from "../config";
import { createRuntime, sharedRuntime } from "../runtime/runtime";
import type { Runtime } from "../runtime/runtime";

/** The process-wide runtime of the deployed app: built once from app settings on first use. */
export function appRuntime(): Runtime {
  return sharedRuntime(() => createRuntime(loadConfig(process.env, Date.now())));
}
