/**
 * `npm run sim -- --port 8080 --seed 7 --events 5000`: runs the simulator until SIGINT/SIGTERM.
 * The printed credentials are simulator-only test values.
 */
import { Command, InvalidArgumentError } from "commander";
import type { RateLimitOptions } from "./core/options";
import { startSimulator } from "./index";

interface CliOptions {
  port: number;
  filePort: number;
  host: "127.0.0.1" | "localhost";
  seed: number;
  events?: number;
  tokenTtl?: number;
  rateLimit?: RateLimitOptions | false;
  lateFraction?: number;
}

const integer =
  (name: string, min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}.`);
    return n;
  };

function loopbackHost(value: string): "127.0.0.1" | "localhost" {
  if (value !== "127.0.0.1" && value !== "localhost")
    throw new InvalidArgumentError("only 127.0.0.1 or localhost is allowed.");
  return value;
}

function rateLimit(value: string): RateLimitOptions | false {
  if (value === "off") return false;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1)
    throw new InvalidArgumentError('use N/windowMs, e.g. 100/60000, or "off".');
  return { limit: Number(m[1]), windowMs: Number(m[2]) };
}

function fraction(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("must be a number within [0, 1].");
  return n;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("mimecast-sim")
    .description("Mimecast API simulator (test tool: deterministic data, ground truth, faults)")
    .option("--port <port>", "API port (0 = pick a free one)", integer("port", 0), 0)
    .option(
      "--file-port <port>",
      "presigned-file host port (0 = pick a free one)",
      integer("file-port", 0),
      0,
    )
    .option("--host <host>", "127.0.0.1 or localhost", loopbackHost, "127.0.0.1")
    .option("--seed <seed>", "PRNG seed", integer("seed", 0), 1)
    .option("--events <perDay>", "events per day per feed (per type for SIEM feeds)", integer("events", 0))
    .option("--token-ttl <seconds>", "OAuth token lifetime", integer("token-ttl", 1))
    .option("--rate-limit <N/windowMs>", 'quota per application and endpoint family, or "off"', rateLimit)
    .option("--late-fraction <share>", "share of events published late", fraction)
    .parse();
  const cli = program.opts<CliOptions>();

  const sim = await startSimulator({
    seed: cli.seed,
    port: cli.port,
    fileHostPort: cli.filePort,
    host: cli.host,
    ...(cli.events !== undefined && { eventsPerDay: cli.events }),
    ...(cli.tokenTtl !== undefined && { tokenTtlSeconds: cli.tokenTtl }),
    ...(cli.rateLimit !== undefined && { rateLimit: cli.rateLimit }),
    ...(cli.lateFraction !== undefined && { lateFraction: cli.lateFraction }),
  });
  const lines = [
    `Mimecast simulator listening (seed ${cli.seed})`,
    `  API base URL:   ${sim.url}`,
    `  File host URL:  ${sim.fileBaseUrl}`,
    `  Ground truth:   ${sim.url}/__sim/ground-truth?feed=dlp&from=<ms|ISO>&to=<ms|ISO>`,
    "  Test credentials (simulator-only):",
    `    OAuth 2.0  client_id=${sim.credentials.oauth?.clientId ?? "-"} client_secret=${sim.credentials.oauth?.clientSecret ?? "-"}`,
    `    API 1.0    appId=${sim.credentials.hmac?.appId ?? "-"} appKey=${sim.credentials.hmac?.appKey ?? "-"} ` +
      `accessKey=${sim.credentials.hmac?.accessKey ?? "-"} secretKey=${sim.credentials.hmac?.secretKey ?? "-"}`,
    "Press Ctrl+C to stop.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: closing simulator\n`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
