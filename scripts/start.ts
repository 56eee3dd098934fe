/**
 * `npm start` — runs locally on the embedded default.
 *
 * Until the local Durable host exists (issue 4), this starts the bundled Mimecast API simulator on
 * 127.0.0.1, says so, and drives the real Mimecast client against it: OAuth token, SIEM batch listing
 * with streamed gzip files, a paged JSON feed (DLP), audit with API 1.0 HMAC keys, and the threat-intel
 * feed. It then keeps the simulator running for exploration until Ctrl-C (`--once` exits instead).
 */
import { Command } from "commander";
import { downloadBatchFile } from "../src/mimecast/batchFile";
import { MimecastClient } from "../src/mimecast/client";
import { staticCredentials } from "../src/mimecast/credentials";
import { ENDPOINTS } from "../src/mimecast/endpoints";
import { paginateJson, paginateSiemBatch } from "../src/mimecast/pagination";
import { fetchThreatIntelFeed } from "../src/mimecast/threatIntel";
import { formatDay, formatMimecastTime } from "../src/feeds/time";
import { startSimulator } from "../simulator/index";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface StartOptions {
  once: boolean;
  seed: string;
  port: string;
}

async function main(): Promise<void> {
  const program = new Command()
    .name("npm start --")
    .description("Run mimecast-sentinel locally on its embedded default (simulator + real client).")
    .option("--once", "exit after the demonstration run", false)
    .option("--seed <n>", "simulator seed", "1")
    .option("--port <n>", "simulator API port (0 = any free port)", "0")
    .parse(process.argv);
  const options = program.opts<StartOptions>();

  const sim = await startSimulator({ seed: Number(options.seed), port: Number(options.port) });
  const say = (text: string): void => void process.stdout.write(text + "\n");
  say("mimecast-sentinel — local run on the embedded default");
  say("  No Mimecast or Sentinel settings given, so this uses the bundled Mimecast API simulator:");
  say(`  simulator API ${sim.url}   presigned-file host ${sim.fileBaseUrl}`);
  say("  (The local Durable host that runs the full ingestion pipeline arrives with issue 4;");
  say("   this run exercises the real Mimecast client against the simulator.)\n");

  const oauth = sim.credentials.oauth;
  const hmac = sim.credentials.hmac;
  if (!oauth || !hmac) throw new Error("the simulator did not provide test credentials");
  const client = new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(oauth),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
  });
  const now = Date.now();
  const yesterday = formatDay(now - DAY);

  // SIEM batch: one type, one day, every file streamed.
  let files = 0;
  let events = 0;
  let badLines = 0;
  for await (const page of paginateSiemBatch(client, {
    kind: "cg",
    type: "receipt",
    from: yesterday,
    to: yesterday,
  })) {
    for (const file of page.files) {
      files += 1;
      for await (const item of downloadBatchFile(client, file)) {
        if (item.kind === "record") events += 1;
        else badLines += 1;
      }
    }
  }
  say(`  SIEM batch (cg, receipt, ${yesterday}): ${files} files, ${events} events, ${badLines} bad lines`);

  // A paged JSON feed.
  let dlpPages = 0;
  let dlpRecords = 0;
  for await (const page of paginateJson(client, ENDPOINTS.dlpLogs, {
    filter: { from: formatMimecastTime(now - DAY), to: formatMimecastTime(now), oldestFirst: true },
    pageSize: 100,
  })) {
    dlpPages += 1;
    dlpRecords += page.records.length;
  }
  say(`  DLP logs (last 24 h): ${dlpRecords} records in ${dlpPages} pages`);

  // Audit with API 1.0 HMAC keys.
  const v1 = new MimecastClient({
    baseUrl: sim.url,
    credentials: staticCredentials(hmac),
    allowInsecureHttp: true,
  });
  let audit = 0;
  for await (const page of paginateJson(v1, ENDPOINTS.auditEvents, {
    filter: { startDateTime: formatMimecastTime(now - DAY), endDateTime: formatMimecastTime(now) },
  })) {
    audit += page.records.length;
  }
  say(`  Audit events (last 24 h, API 1.0 HMAC): ${audit} records`);

  const intel = await fetchThreatIntelFeed(client, {
    feedType: "malware_grid",
    fileType: "stix",
    start: new Date(now - 7 * DAY).toISOString(),
    end: new Date(now).toISOString(),
  });
  const indicators =
    intel.kind === "stix" ? intel.objects.filter((o) => o["type"] === "indicator").length : 0;
  say(`  Threat intel (malware_grid, STIX, 7 days): ${indicators} indicators in the first file`);
  say(`  Mimecast tokens fetched: ${client.tokenFetchCount} (cached and shared)\n`);

  if (options.once) {
    await sim.close();
    return;
  }
  say("Simulator still running for exploration — try:");
  say(
    `  curl -s -X POST ${sim.url}/oauth/token -d 'client_id=${oauth.clientId}&client_secret=${oauth.clientSecret}&grant_type=client_credentials'`,
  );
  say(`  curl -s '${sim.url}/__sim/ground-truth?feed=dlp&from=${now - HOUR}&to=${now}' | head`);
  say("Ctrl-C stops it.");
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sim.close();
  say("stopped.");
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
