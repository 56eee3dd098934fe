import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { ROW_FLAG_COLUMNS } from "../../src/sentinel/limits";
import { LogsIngestionSink } from "../../src/sentinel/logsIngestionSink";
import type { LogsIngestionSinkOptions } from "../../src/sentinel/logsIngestionSink";
import type { SentinelRow, StreamSchema } from "../../src/sentinel/streams";
import { createMemoryLogger } from "../../src/shared/logger";
import type { LogsIngestionFake } from "../fakes/logsIngestionFake";

export const DCE = "https://mimecast-dce-test.eastus-1.ingest.monitor.azure.com";
export const RULE_ID = "dcr-0123456789abcdef0123456789abcdef";
export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export const TEST_STREAM: StreamSchema = {
  streamName: "Custom-MimecastTest_CL",
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "EventId", type: "string" },
    { name: "Seq", type: "long" },
    { name: "Subject", type: "string" },
    { name: "Size", type: "int" },
    { name: "Score", type: "real" },
    { name: "Malicious", type: "boolean" },
    { name: "Details", type: "dynamic" },
    ...ROW_FLAG_COLUMNS,
  ],
};

export const AUDIT_STREAM: StreamSchema = {
  streamName: "Custom-MimecastAuditTest_CL",
  columns: [
    { name: "TimeGenerated", type: "datetime" },
    { name: "EventId", type: "string" },
    { name: "Action", type: "string" },
    ...ROW_FLAG_COLUMNS,
  ],
};

/** `count` valid TEST_STREAM rows; `Seq` is the row's index, `Subject` pads each row by `padBytes`. */
export function makeRows(count: number, padBytes = 100): SentinelRow[] {
  return Array.from({ length: count }, (_, seq) => ({
    TimeGenerated: new Date(T0 + seq * 1000).toISOString(),
    EventId: `evt-${seq}`,
    Seq: seq,
    Subject: "s".repeat(padBytes),
    Size: 1000 + seq,
    Score: seq / 4,
    Malicious: seq % 7 === 0,
    Details: { sender: `user${seq}@example.com`, tags: ["a", "b"] },
  }));
}

/** A credential that hands out a fixed token and remembers which scopes it was asked for. */
export function recordingCredential(token = "fake-token"): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken(requested: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
      scopes.push(Array.isArray(requested) ? requested : [requested]);
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}

/** Retries as the SDK does them, minus the waiting. */
export const FAST_RETRIES = { maxRetries: 2, retryDelayInMs: 1, maxRetryDelayInMs: 4 };

/** A real LogsIngestionSink (real SDK client and pipeline) talking to the fake. */
export function sinkFor(
  fake: LogsIngestionFake,
  overrides: Partial<LogsIngestionSinkOptions> = {},
): { sink: LogsIngestionSink; logs: string[] } {
  const logger = createMemoryLogger();
  const sink = new LogsIngestionSink({
    endpoint: DCE,
    ruleId: RULE_ID,
    credential: recordingCredential(),
    logger,
    ...overrides,
    clientOptions: { httpClient: fake.httpClient, retryOptions: FAST_RETRIES, ...overrides.clientOptions },
  });
  return { sink, logs: logger.lines };
}

/** `[from, from + count)`. */
export function range(from: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => from + i);
}
