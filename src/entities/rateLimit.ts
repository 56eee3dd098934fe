import type { EntityContext, EntityHandler } from "durable-functions";
import type { InstanceUsage, RateLimitPause, UsageTable } from "../mimecast/sharedRateLimit";
import { recordUsage } from "../mimecast/sharedRateLimit";

/**
 * The shared rate limits of the Mimecast application (one entity): every instance's limiter publishes
 * its pauses here (`pause`) and its use of client-side budget windows (`use`), and adopts both (the
 * activity reads the state). Bounded: one time per family, only ever later; one window per family with
 * at most MAX_USAGE_INSTANCES counts. Both operations are idempotent and order-insensitive.
 */
export interface RateLimitState {
  /** Family → paused until (epoch ms); "" = the whole application (a 429). */
  pauses: Record<string, number>;
  /** Budgeted family → its latest window and each instance's use of it. */
  usage?: UsageTable;
}

function isUsage(input: unknown): input is InstanceUsage {
  const u = input as Partial<InstanceUsage> | undefined;
  return (
    typeof u?.family === "string" &&
    typeof u.instance === "string" &&
    typeof u.window === "number" &&
    Number.isFinite(u.window) &&
    typeof u.used === "number" &&
    Number.isFinite(u.used) &&
    u.used >= 0
  );
}

export function applyRateLimitOperation(
  state: RateLimitState | undefined,
  operation: string,
  input: unknown,
): RateLimitState | undefined {
  if (operation === "use") {
    if (!isUsage(input)) return state;
    const usage = recordUsage(state?.usage, input);
    return usage === state?.usage ? state : { pauses: state?.pauses ?? {}, usage };
  }
  if (operation !== "pause") return state;
  const pause = input as Partial<RateLimitPause> | undefined;
  if (typeof pause?.until !== "number" || !Number.isFinite(pause.until)) return state;
  const key = typeof pause.family === "string" ? pause.family : "";
  const pauses = { ...(state?.pauses ?? {}) };
  if ((pauses[key] ?? 0) >= pause.until) return state;
  pauses[key] = pause.until;
  return { ...state, pauses };
}

export const rateLimitEntity: EntityHandler<RateLimitState> = (context: EntityContext<RateLimitState>) => {
  const stored = context.df.getState();
  const next = applyRateLimitOperation(stored, context.df.operationName ?? "", context.df.getInput());
  if (next !== undefined && next !== stored) context.df.setState(next);
};
