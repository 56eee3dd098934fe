import type { EntityContext, EntityHandler } from "durable-functions";
import { mergeDigests } from "../ingest/digest";

/**
 * One entity per recent window (key `<cursor>@<from>`): the digest of what the window's first pass sent,
 * kept until its late-event sweep has run. Small (≤ 3,500 hashes) and deleted after the sweep.
 */
export function applyDigestOperation(
  state: string | undefined,
  operation: string,
  input: unknown,
): { state: string | undefined; reply: string | { error: string }; destruct: boolean } {
  switch (operation) {
    case "get":
      return { state, reply: state ?? "", destruct: false };
    case "add": {
      if (typeof input !== "string")
        return { state, reply: { error: "add needs a digest string" }, destruct: false };
      const next = mergeDigests(state, input);
      return { state: next, reply: next, destruct: false };
    }
    case "delete":
      return { state: undefined, reply: "", destruct: true };
    default:
      return { state, reply: { error: `unknown operation "${operation}"` }, destruct: false };
  }
}

export const digestEntity: EntityHandler<string> = (context: EntityContext<string>) => {
  const stored = context.df.getState();
  const { state, reply, destruct } = applyDigestOperation(
    stored,
    context.df.operationName ?? "",
    context.df.getInput(),
  );
  if (destruct) context.df.destructOnExit();
  else if (state !== undefined && state !== stored) context.df.setState(state);
  context.df.return(reply);
};
