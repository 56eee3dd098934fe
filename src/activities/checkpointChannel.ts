import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { EntityId } from "durable-functions";

/**
 * How an ingest activity reaches the checkpoint and digest entities while it runs: read an entity's
 * state, signal an operation to it. On Azure it is the Durable client of the activity's
 * `durableClient` input (registered in src/index.ts); a local engine supplies any object with these two
 * methods as the extra input named CHECKPOINT_CHANNEL. Either way it is a subset of DurableClient.
 */
export interface CheckpointChannel {
  readEntityState<T>(entityId: EntityId): Promise<{ entityExists: boolean; entityState?: T }>;
  signalEntity(entityId: EntityId, operationName?: string, operationContent?: unknown): Promise<void>;
  /**
   * A host that knows which executions are dead (the local engine: it alone runs its data directory's
   * work, so every execution of an earlier process on it was killed) names executions itself and says
   * which are gone; a run claimed by a gone execution is then taken over at once instead of after
   * LeaseTiming.staleMs. Azure's client has neither: a claim's holder may live on another worker.
   */
  newExecutorId?(): string;
  isExecutorGone?(executor: string): boolean;
}

/** Extra input name under which a local engine hands the activity its channel. */
export const CHECKPOINT_CHANNEL = "mimecastCheckpointChannel";

/** The activity's durable client input (its binding data is what `df.getClient` reads). */
export const activityClientInput = df.input.durableClient();

/** The channel of this invocation, or undefined when it has none (then progress is not signalled). */
export function channelFrom(context: InvocationContext | undefined): CheckpointChannel | undefined {
  if (!context) return undefined;
  const supplied = context.extraInputs?.get(CHECKPOINT_CHANNEL);
  if (isChannel(supplied)) return supplied;
  try {
    return df.getClient(context);
  } catch {
    return undefined;
  }
}

function isChannel(value: unknown): value is CheckpointChannel {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Partial<CheckpointChannel>).readEntityState === "function" &&
    typeof (value as Partial<CheckpointChannel>).signalEntity === "function"
  );
}
