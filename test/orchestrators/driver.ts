import type { Action, ReplayState, Schema } from "../helpers/durableHarness";
import { ActionType, History, flatActions, replay } from "../helpers/durableHarness";

type Handler = Parameters<typeof replay>[0];

export type Response = { complete: unknown } | { fail: string } | "pending";

/**
 * Replays an orchestration episode by episode, answering every newly scheduled activity, entity call
 * and timer with `respond` (task ids follow the flattened action order, as the SDK assigns them).
 */
export async function driveToEnd(
  handler: Handler,
  name: string,
  input: unknown,
  start: number,
  respond: (action: Action, taskId: number) => Response,
  maxEpisodes = 400,
  onSignal: (action: Action) => void = () => undefined,
  schema?: Schema,
): Promise<{ state: ReplayState; history: History; episodes: number; actions: Action[] }> {
  const history = new History(name, input, start);
  let seen = 0;
  // Ids the SDK allocated beyond one per action: a retried activity's timers and re-attempts.
  let extra = 0;
  let waits = 0;
  for (let episode = 1; episode <= maxEpisodes; episode += 1) {
    const state = await replay(handler, history, input, undefined, schema);
    const actions = flatActions(state);
    if (state.isDone || state.error) return { state, history, episodes: episode, actions };
    // An external-event wait takes no sequence number (its id is the event name): answered never.
    const fresh = actions
      .slice(seen)
      .filter((action) => action.actionType !== ActionType.WaitForExternalEvent)
      .map((action, i) => ({ action, id: seen - waits + i + extra }));
    waits += actions.length - seen - fresh.length;
    seen = actions.length;
    if (fresh.length === 0) throw new Error(`episode ${episode}: the orchestration waits on nothing new`);
    history.nextEpisode(history.now + 1000);
    for (const { action, id } of fresh) {
      if (action.actionType === ActionType.SignalEntity) {
        onSignal(action);
        continue;
      }
      if (action.actionType === ActionType.CreateTimer) {
        const fireAt = Date.parse(action.fireAt ?? "");
        history.now = Math.max(history.now, fireAt);
        history.timerFired(id, fireAt);
        continue;
      }
      const answer = respond(action, id);
      if (answer === "pending") continue;
      if (action.actionType === ActionType.CallEntity) {
        if ("complete" in answer) history.entityResponse(id, action.instanceId ?? "", answer.complete);
        continue;
      }
      if ("complete" in answer) {
        history.taskCompleted(id, answer.complete);
      } else if (action.actionType === ActionType.CallActivityWithRetry) {
        // Exhaust the retry policy as the extension would: each failure is followed by a retry timer
        // and (until the last) a re-attempt, each with the next sequence number.
        const attempts = Number(action.retryOptions?.["maxNumberOfAttempts"] ?? 1);
        let next = seen - waits + extra;
        history.taskFailed(id, answer.fail);
        for (let attempt = 2; attempt <= attempts + 1; attempt += 1) {
          history.timerFired(next, history.now);
          next += 1;
          if (attempt <= attempts) {
            history.taskFailed(next, answer.fail);
            next += 1;
          }
        }
        extra += 2 * attempts - 1;
      } else {
        history.taskFailed(id, answer.fail);
      }
    }
  }
  throw new Error("orchestration did not finish");
}
