/**
 * Benchmark: SIEM batch-file parsing through the client's stream (download → gunzip → line split →
 * JSON.parse → typed items) against a raw baseline of the same machine (http.get → gunzip → split →
 * JSON.parse, no connector code), both in the same run against the same loopback file server.
 * Memory: peak RSS of a child process parsing a small and a large file — it must not grow with size.
 */
import { spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { createReadStream } from "node:fs";
import { MimecastClient } from "../src/mimecast/client";
import { staticCredentials } from "../src/mimecast/credentials";
import { downloadBatchFileBatches } from "../src/mimecast/batchFile";

const CACHE_DIR = join(process.cwd(), ".local", "bench");

/** A receipt-type record shaped like the v2 batch files (numbers as strings, epoch-ms timestamp). */
function receiptLine(i: number): string {
  const ts = 1_731_437_527_130 + i * 37;
  return JSON.stringify({
    _offset: 100_000 + i,
    _partition: i % 12,
    accountId: "CUSA1B23",
    action: i % 17 === 0 ? "Rej" : "Acc",
    aggregateId: `agg-${(i * 2654435761) % 4294967296}`,
    direction: i % 3 === 0 ? "Outbound" : "Inbound",
    messageId: `<${i}.${ts}@mail.example.com>`,
    numberAttachments: String(i % 4),
    processingId: `proc-${i.toString(36)}-${(ts % 99991).toString(36)}`,
    receiptErrors: null,
    recipients: `user${i % 500}@example.org`,
    rejectionCode: i % 17 === 0 ? "550" : null,
    rejectionInfo: i % 17 === 0 ? "Rejected by policy" : null,
    rejectionType: i % 17 === 0 ? "Envelope Rejected" : null,
    senderEnvelope: `sender${i % 97}@partner.example.net`,
    senderHeader: `sender${i % 97}@partner.example.net`,
    senderIp: `198.51.100.${i % 254}`,
    spamDetectionLevel: "Moderate",
    spamInfo: "[]",
    spamProcessingDetail:
      '{"spf":{"allow":true,"info":"SPF_PASS"},"dkim":{"allow":true,"info":"DKIM_UNKNOWN"}}',
    spamScore: String(i % 10),
    subject: `Quarterly report ${i}`,
    subtype: "Allow",
    timestamp: ts,
    tlsCipher: "TLS_AES_256_GCM_SHA384",
    tlsVersion: "TLSv1.3",
    type: "receipt",
    virusFound: null,
  });
}

/** A CI `entities` record shaped like the simulator's (arrays of strings, an array of policy objects). */
function ciEntitiesLine(i: number): string {
  const ts = 1_731_437_527_130 + i * 37;
  const clean = i % 7 !== 0;
  return JSON.stringify({
    _offset: 100_000 + i,
    _partition: i % 12,
    accountId: "CUSA1B23",
    aggregateId: `agg-${(i * 2654435761) % 4294967296}`,
    attachments: i % 3 === 0 ? [`invoice-${i}.pdf`] : [],
    direction: i % 3 === 0 ? "OUTBOUND" : "INBOUND",
    historicalMail: false,
    messageId: `<${i}.${ts}@mail.example.com>`,
    policiesApplied: [
      { action: clean ? "DO_NOTHING" : "BLOCK", mode: "ACTIVE", name: "Default O365 Mail policy" },
    ],
    processingId: `proc-${i.toString(36)}-${(ts % 99991).toString(36)}`,
    recipients: [`user${i % 500}@example.org`],
    senderEnvelope: `sender${i % 97}@partner.example.net`,
    senderHeader: `sender${i % 97}@partner.example.net`,
    senderIp: `198.51.100.${i % 254}`,
    source: "OFFICE_365_MAIL",
    subject: `Quarterly report ${i}`,
    subtype: clean ? "NO_DETECTIONS" : "PHISHING",
    tags: clean ? null : ["PHISHING"],
    threatState: clean ? "DELIVERY_IN_PROGRESS" : "BLOCKED",
    threatType: clean ? "NO_DETECTIONS" : "PHISHING",
    timestamp: ts,
    type: "entities",
  });
}

export type BatchShape = "cg-receipt" | "ci-entities";
const LINES: Record<BatchShape, (i: number) => string> = {
  "cg-receipt": receiptLine,
  "ci-entities": ciEntitiesLine,
};

/** Writes (once, cached) a gzip NDJSON file of roughly `targetBytes` uncompressed. */
export async function ensureBatchFile(
  targetBytes: number,
  shape: BatchShape = "cg-receipt",
): Promise<{ path: string; lines: number; bytes: number }> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const line = LINES[shape];
  const sample = line(0).length + 1;
  const lines = Math.max(1, Math.round(targetBytes / sample));
  const path = join(CACHE_DIR, `${shape === "cg-receipt" ? "receipt" : shape}-${lines}.json.gz`);
  if (!existsSync(path)) {
    const gzip = createGzip({ level: 6 });
    const out = createWriteStream(path);
    const done = pipeline(gzip, out);
    for (let i = 0; i < lines; i += 1) {
      if (!gzip.write(line(i) + "\n")) await new Promise((r) => gzip.once("drain", r));
    }
    gzip.end();
    await done;
  }
  // Lines differ by a few characters; the first line's size times the count is close enough.
  return { path, lines, bytes: lines * sample };
}

async function serveFile(path: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mimecast-siem-batch/receipt/file.json.gz?X-Amz-Signature=bench`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function benchClient(): MimecastClient {
  return new MimecastClient({
    baseUrl: "http://127.0.0.1:1",
    credentials: staticCredentials({ kind: "oauth2", clientId: "bench", clientSecret: "bench-secret" }),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 60_000,
  });
}

/** Connector path: records counted from the client's typed stream, one array per chunk as `ingestSiemBatch` reads it. */
export async function parseWithClient(url: string): Promise<number> {
  let records = 0;
  for await (const items of downloadBatchFileBatches(benchClient(), url))
    for (const item of items) if (item.kind === "record") records += 1;
  return records;
}

/** Raw ceiling: http → gunzip → split → JSON.parse, nothing else. */
export function parseRaw(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const gunzip = createGunzip();
        let carry = "";
        let records = 0;
        gunzip.setEncoding("utf8");
        gunzip.on("data", (chunk: string) => {
          const parts = (carry + chunk).split("\n");
          carry = parts.pop() ?? "";
          for (const p of parts) if (p.length > 0 && JSON.parse(p)) records += 1;
        });
        gunzip.on("end", () => {
          if (carry.length > 0 && JSON.parse(carry)) records += 1;
          resolve(records);
        });
        gunzip.on("error", reject);
        res.pipe(gunzip);
      })
      .on("error", reject);
  });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

export interface ThroughputResult {
  lines: number;
  uncompressedMB: number;
  clientEventsPerSec: number;
  rawEventsPerSec: number;
  ratio: number;
}

export async function measureThroughput(targetBytes: number, rounds: number): Promise<ThroughputResult> {
  const file = await ensureBatchFile(targetBytes);
  const server = await serveFile(file.path);
  try {
    const clientTimes: number[] = [];
    const rawTimes: number[] = [];
    await parseRaw(server.url); // warm-up both paths (JIT, sockets)
    await parseWithClient(server.url);
    for (let r = 0; r < rounds; r += 1) {
      // Alternate so drift (thermal, other load) hits both sides alike.
      let t = performance.now();
      const rawCount = await parseRaw(server.url);
      rawTimes.push(performance.now() - t);
      t = performance.now();
      const clientCount = await parseWithClient(server.url);
      clientTimes.push(performance.now() - t);
      if (rawCount !== file.lines || clientCount !== file.lines) {
        throw new Error(`record count mismatch: file ${file.lines}, raw ${rawCount}, client ${clientCount}`);
      }
    }
    const clientEps = file.lines / (median(clientTimes) / 1000);
    const rawEps = file.lines / (median(rawTimes) / 1000);
    return {
      lines: file.lines,
      uncompressedMB: (file.lines * (receiptLine(0).length + 1)) / 1e6,
      clientEventsPerSec: clientEps,
      rawEventsPerSec: rawEps,
      ratio: clientEps / rawEps,
    };
  } finally {
    await server.close();
  }
}

/** Peak RSS (MB) of a fresh child process that parses one file of `targetBytes` through the client. */
export async function measurePeakRss(targetBytes: number): Promise<{ lines: number; peakRssMB: number }> {
  const file = await ensureBatchFile(targetBytes);
  const child = spawnSync(process.execPath, [__filename, "--child-parse", file.path], { encoding: "utf8" });
  if (child.status !== 0) throw new Error(`child failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout.trim().split("\n").pop() ?? "{}") as {
    records: number;
    maxRssKB: number;
  };
  if (result.records !== file.lines) throw new Error(`child parsed ${result.records} of ${file.lines} lines`);
  return { lines: file.lines, peakRssMB: result.maxRssKB / 1024 };
}

async function childParse(path: string): Promise<void> {
  const server = await serveFile(path);
  try {
    const records = await parseWithClient(server.url);
    process.stdout.write(JSON.stringify({ records, maxRssKB: process.resourceUsage().maxRSS }) + "\n");
  } finally {
    await server.close();
  }
}

if (require.main === module && process.argv[2] === "--child-parse" && process.argv[3]) {
  childParse(process.argv[3]).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
