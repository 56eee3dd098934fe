/** The local engine's store, as the kill-9 run reads it to resume the simulated time (not as an oracle). */
import type { LocalState } from "../../src/localhost/store";
import { readStoreSnapshot } from "../../src/localhost/store";

/** The store as plain values (only while no host runs on `dataDir`). */
export function readState(dataDir: string): LocalState {
  return readStoreSnapshot(dataDir);
}
