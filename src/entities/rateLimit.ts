import type { EntityContext, EntityHandler } from "durable-functions";
import type { RateLimitPause } from "../mimecast/sharedRateLimit";

/**
 * The shared rate-limit pauses of the Mimecast application (one entity): every instance's limiter
 * publishes its pauses here (`pause`) and adopts them (the activity reads the state). Bounded: one
 * time per family, only ever later.
 */
export interface RateLimitState {
  /** Family → paused until (epoch ms); "" = the whole application (a 429). */
  pauses: Record<string, number>;
}

export function applyRateLimitOperation(
  state: RateLimitState | undefined,
  operation: string,
  input: unknown,
): RateLimitState | undefined {
  if (operation !== "pause") return state;
  const pause = input as Partial<RateLimitPause> | undefined;
  if (typeof pause?.until !== "number" || !Number.isFinite(pause.until)) return state;
  const key = typeof pause.family === "string" ? pause.family : "";
  const pauses = { ...(state?.pauses ?? {}) };
  if ((pauses[key] ?? 0) >= pause.until) return state;
  pauses[key] = pause.until;
  return { pauses };
}

export const rateLimitEntity: EntityHandler<RateLimitState> = (context: EntityContext<RateLimitState>) => {
  const stored = context.df.getState();
  const next = applyRateLimitOperation(stored, context.df.operationName ?? "", context.df.getInput());
  if (next !== undefined && next !== stored) context.df.setState(next);
};
