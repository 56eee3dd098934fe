import { applyCheckpointOperation } from "../../src/entities/checkpoint";
import { applyControlOperation } from "../../src/entities/control";
import type { ControlState } from "../../src/entities/control";
import { FUNCTIONS } from "../../src/orchestrators/names";
import type { CheckpointState, CycleSettings, WorkUnit } from "../../src/planning/types";
import type { Action, ReplayState } from "../helpers/durableHarness";
import { ActionType } from "../helpers/durableHarness";
import type { Response } from "./driver";
import { driveToEnd } from "./driver";

type Handler = Parameters<typeof driveToEnd>[0];

export interface GenerationRun {
  /** The last generation's final replay state (output or error). */
  state: ReplayState;
  /** Every action of every generation, in order. */
  actions: Action[];
  generations: number;
  checkpoints: Map<string, CheckpointState>;
  control: { state: ControlState | undefined };
}

/**
 * Drives an orchestration through its continue-as-new generations (each one replayed episode by
 * episode by the SDK's executor), with the real checkpoint and control reducers behind every entity
 * call and signal. `ingest` answers each ingest activity; `before` runs ahead of every entity call.
 */
export async function runGenerations(options: {
  handler: Handler;
  name: string;
  input: unknown;
  start: number;
  settings: CycleSettings;
  ingest: (unit: WorkUnit, index: number) => Response;
  maxGenerations: number;
  beforeEntityCall?: (action: Action, run: GenerationRun) => void;
}): Promise<GenerationRun> {
  const run: GenerationRun = {
    state: { isDone: false, actions: [] },
    actions: [],
    generations: 0,
    checkpoints: new Map(),
    control: { state: undefined },
  };
  let ingested = 0;
  const apply = (action: Action): unknown => {
    const [, name = "", key = ""] = (action.instanceId ?? "").split("@");
    if (name === FUNCTIONS.control.toLowerCase()) {
      const { state, reply } = applyControlOperation(run.control.state, action.operation ?? "", action.input);
      run.control.state = state;
      return reply;
    }
    if (name !== FUNCTIONS.checkpoint.toLowerCase()) return undefined;
    const { state, reply, destruct } = applyCheckpointOperation(
      key,
      run.checkpoints.get(key),
      action.operation ?? "",
      action.input,
    );
    if (destruct) run.checkpoints.delete(key);
    else if (state) run.checkpoints.set(key, state);
    return reply;
  };
  const respond = (action: Action): Response => {
    if (action.functionName === FUNCTIONS.readCycleSettings) return { complete: options.settings };
    if (action.actionType === ActionType.CallEntity) {
      options.beforeEntityCall?.(action, run);
      return { complete: apply(action) };
    }
    if (action.functionName === FUNCTIONS.ingestUnit) {
      return options.ingest((action.input as { unit: WorkUnit }).unit, ingested++);
    }
    if (action.functionName === FUNCTIONS.writeHealth) return { complete: { written: 1 } };
    throw new Error(`unexpected action ${JSON.stringify(action)}`);
  };
  let input = options.input;
  let start = options.start;
  for (let generation = 1; generation <= options.maxGenerations; generation += 1) {
    const driven = await driveToEnd(
      options.handler,
      options.name,
      input,
      start,
      respond,
      2_000,
      (a) => void apply(a),
    );
    run.generations = generation;
    run.state = driven.state;
    run.actions.push(...driven.actions);
    const last = driven.actions[driven.actions.length - 1];
    if (driven.state.error || last?.actionType !== ActionType.ContinueAsNew) return run;
    input = last.input;
    start = driven.history.now + 1000;
  }
  return run;
}

export const ingestUnits = (actions: readonly Action[]): WorkUnit[] =>
  actions
    .filter((a) => a.functionName === FUNCTIONS.ingestUnit)
    .map((a) => (a.input as { unit: WorkUnit }).unit);
