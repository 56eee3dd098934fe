import type { EntityContext, EntityHandler } from "durable-functions";
import { initialCheckpoint, recordProgress, recordResult, resetCheckpoint } from "../planning/checkpoint";
import type { ClaimInput, ReleaseInput } from "../planning/runClaims";
import { claimRun, releaseRun } from "../planning/runClaims";
import type { CheckpointState, ProgressReport, UnitResult, WorkUnit } from "../planning/types";

/**
 * One entity per cursor (key = cursor key) holds its checkpoint. Operations are the pure reducers of
 * `planning/checkpoint`; the entity adds nothing but storage. Bad input is answered with an error value
 * and leaves the state alone (Durable entities do not roll back a state set before a throw, and the
 * SDK loses thrown messages). `delete` removes a finished backfill's cursor; it does not reply, because
 * the SDK's `return` would bring the entity back into existence.
 */
export type CheckpointOperation =
  | { name: "get" }
  | { name: "record"; input: { unit: WorkUnit; result: UnitResult; at: number } }
  | { name: "progress"; input: ProgressReport }
  | { name: "claim"; input: ClaimInput }
  | { name: "release"; input: ReleaseInput }
  | { name: "delete" }
  | { name: "reset"; input: { at: number; by: string; reason: string; watermark?: number } };

export type CheckpointReply = CheckpointState | { error: string };

export function applyCheckpointOperation(
  key: string,
  state: CheckpointState | undefined,
  operation: string,
  input: unknown,
): { state: CheckpointState | undefined; reply: CheckpointReply; destruct?: true } {
  const current = state ?? initialCheckpoint(key);
  switch (operation) {
    case "delete":
      return { state: undefined, reply: { error: "deleted" }, destruct: true };
    case "progress": {
      if (!isProgressInput(input)) {
        return { state, reply: { error: "progress needs {unit, resume, counts, seq, at}" } };
      }
      const next = recordProgress(current, input);
      return { state: next, reply: next };
    }
    case "claim": {
      if (!isClaimInput(input)) return { state, reply: { error: "claim needs {unit (with run), by}" } };
      const next = claimRun(current, input);
      return { state: next === current ? state : next, reply: next };
    }
    case "release": {
      if (!isReleaseInput(input))
        return { state, reply: { error: "release needs {run, by, seq} and an optional result" } };
      const next = releaseRun(current, input);
      return { state: next === current ? state : next, reply: next };
    }
    case "get":
      return { state, reply: current };
    case "record": {
      if (!isRecordInput(input)) return { state, reply: { error: "record needs {unit, result, at}" } };
      const next = recordResult(current, input.unit, input.result, input.at);
      return { state: next, reply: next };
    }
    case "reset": {
      if (!isResetInput(input)) {
        return { state, reply: { error: "reset needs {at, by, reason} and an optional numeric watermark" } };
      }
      const next = resetCheckpoint(current, input);
      return { state: next, reply: next };
    }
    default:
      return { state, reply: { error: `unknown operation "${operation}"` } };
  }
}

export const checkpointEntity: EntityHandler<CheckpointState> = (context: EntityContext<CheckpointState>) => {
  const stored = context.df.getState();
  const { state, reply, destruct } = applyCheckpointOperation(
    context.df.entityKey,
    stored,
    context.df.operationName ?? "",
    context.df.getInput(),
  );
  if (destruct) {
    context.df.destructOnExit();
    return;
  }
  if (state !== undefined && state !== stored) context.df.setState(state);
  context.df.return(reply);
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isRecordInput(input: unknown): input is { unit: WorkUnit; result: UnitResult; at: number } {
  return (
    isObject(input) &&
    isObject(input["unit"]) &&
    typeof input["unit"]["kind"] === "string" &&
    isObject(input["result"]) &&
    isObject(input["result"]["counts"]) &&
    typeof input["at"] === "number"
  );
}

function isProgressInput(input: unknown): input is ProgressReport {
  return (
    isObject(input) &&
    isObject(input["unit"]) &&
    typeof input["unit"]["kind"] === "string" &&
    isObject(input["counts"]) &&
    typeof input["seq"] === "number" &&
    typeof input["at"] === "number"
  );
}

function isRunStamp(value: unknown): boolean {
  return isObject(value) && typeof value["at"] === "number" && typeof value["n"] === "number";
}

function isClaimInput(input: unknown): input is ClaimInput {
  if (!isObject(input) || !isObject(input["unit"]) || typeof input["unit"]["kind"] !== "string") return false;
  const takeover = input["takeover"];
  return (
    isRunStamp(input["unit"]["run"]) &&
    typeof input["by"] === "string" &&
    (takeover === undefined ||
      (isObject(takeover) && typeof takeover["from"] === "string" && typeof takeover["seq"] === "number"))
  );
}

function isReleaseInput(input: unknown): input is ReleaseInput {
  return (
    isObject(input) &&
    isRunStamp(input["run"]) &&
    typeof input["by"] === "string" &&
    typeof input["seq"] === "number" &&
    (input["result"] === undefined ||
      (isObject(input["result"]) &&
        typeof input["result"]["kind"] === "string" &&
        isObject(input["result"]["counts"])))
  );
}

function isResetInput(
  input: unknown,
): input is { at: number; by: string; reason: string; watermark?: number } {
  return (
    isObject(input) &&
    typeof input["at"] === "number" &&
    typeof input["by"] === "string" &&
    typeof input["reason"] === "string" &&
    input["reason"].trim().length > 0 &&
    (input["watermark"] === undefined || typeof input["watermark"] === "number")
  );
}
