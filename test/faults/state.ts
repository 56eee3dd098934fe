/** The local host's state file, as the kill-9 run reads it to resume the simulated time (not as an oracle). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalState } from "../../src/localhost/stateStore";

export function readState(dataDir: string): LocalState {
  return JSON.parse(readFileSync(join(dataDir, "state.json"), "utf8")) as LocalState;
}
