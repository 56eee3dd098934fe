import type { Action, ReplayState } from "../helpers/durableHarness";
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
): Promise<{ state: ReplayState; history: History; episodes: number; actions: Action[] }> {
  const history = new History(name, input, start);
  let seen = 0;
  for (let episode = 1; episode <= maxEpisodes; episode += 1) {
    const state = await replay(handler, history, input);
    const actions = flatActions(state);
    if (state.isDone || state.error) return { state, history, episodes: episode, actions };
    const fresh = actions.slice(seen).map((action, i) => ({ action, id: seen + i }));
    seen = actions.length;
    if (fresh.length === 0) throw new Error(`episode ${episode}: the orchestration waits on nothing new; actions: ${JSON.stringify(state.actions).slice(0, 3000)}`);
    history.nextEpisode(history.now + 1000);
    for (const { action, id } of fresh) {
      if (action.actionType === ActionType.SignalEntity) continue;
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
      if ("complete" in answer) history.taskCompleted(id, answer.complete);
      else history.taskFailed(id, answer.fail);
    }
  }
  throw new Error("orchestration did not finish");
}
