import type { EntityContext, EntityHandler } from "durable-functions";
import { mergeDigests } from "../ingest/digest";

/**
 * One entity per recent window (key `<cursor>@<from>`): the digest of what the window's first pass sent,
 * kept until its late-event sweep has run. Small (≤ 3,500 hashes) and deleted after the sweep; a window
 * that sent nothing has none.
 *
 * The SDK's `context.df.return(...)` marks the entity as existing again (durable-functions
 * lib/src/entities/Entity.js), so an operation that deletes — or reads a digest that is not there —
 * must not reply: replying would keep a destructed entity alive, or create an empty one on a `get`.
 * Callers read digests with `readEntityState` (activities) and treat "absent" as the empty digest.
 */
/** `reply` undefined = do not reply (see above). */
export function applyDigestOperation(
  state: string | undefined,
  operation: string,
  input: unknown,
): { state: string | undefined; reply: string | { error: string } | undefined; destruct: boolean } {
  switch (operation) {
    case "get":
      return { state, reply: state, destruct: false };
    case "add": {
      if (typeof input !== "string")
        return { state, reply: { error: "add needs a digest string" }, destruct: false };
      const next = mergeDigests(state, input);
      // An empty digest is the same as none (a sweep reads "absent" as empty): a window that sent
      // nothing gets no entity, and an empty one an older version left behind goes.
      if (next === "") return { state: undefined, reply: undefined, destruct: state !== undefined };
      return { state: next, reply: next, destruct: false };
    }
    case "delete":
      return { state: undefined, reply: undefined, destruct: true };
    default:
      // An error reply would bring a missing digest into existence: only an existing one answers.
      return {
        state,
        reply: state === undefined ? undefined : { error: `unknown operation "${operation}"` },
        destruct: false,
      };
  }
}

export const digestEntity: EntityHandler<string> = (context: EntityContext<string>) => {
  const stored = context.df.getState();
  const { state, reply, destruct } = applyDigestOperation(
    stored,
    context.df.operationName ?? "",
    context.df.getInput(),
  );
  if (destruct) {
    context.df.destructOnExit();
    return;
  }
  if (state !== undefined && state !== stored) context.df.setState(state);
  if (reply !== undefined) context.df.return(reply);
};
