import type { MimecastClientOptions } from "../../src/mimecast/client";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import type { Clock } from "../../src/shared/clock";
import type { Simulator } from "../../simulator/index";

/** A Mimecast client for the simulator: its OAuth credentials over plain HTTP, no jitter (random 0.5). */
export function simulatorClient(
  sim: Simulator,
  clock: Clock,
  overrides: Partial<MimecastClientOptions> = {},
): MimecastClient {
  return new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(sim.credentials.oauth!),
    clock,
    allowInsecureHttp: true,
    random: () => 0.5,
    ...overrides,
  });
}
