import { createAzureCredential, createCredentialsProvider } from "../config";
import type { Config } from "../config";
import { feedById } from "../feeds";
import type { FeedSpec } from "../feeds";
import { streamFor } from "../ingest/streams";
import { MimecastClient } from "../mimecast/client";
import { LocalSink } from "../sentinel/localSink";
import { getSharedLogsIngestionSink } from "../sentinel/logsIngestionSink";
import { RoutedSink } from "../sentinel/routedSink";
import { dcrFor } from "../config/dcrRoutes";
import type { Sink } from "../sentinel/sink";
import { TiUploader } from "../sentinel/tiUpload";
import type { TiUpload } from "../sentinel/tiUpload";
import type { StreamSchema } from "../sentinel/streams";
import type { Clock } from "../shared/clock";
import { systemClock } from "../shared/clock";
import type { Logger } from "../shared/logger";
import { createLogger } from "../shared/logger";

/**
 * Everything an ingestion unit needs, built once per process from the validated configuration: the
 * Mimecast client (one rate limiter per Mimecast application), the sink, table names. The Functions
 * activities and the local host both use it; tests build one around the simulator and the fake.
 */
export interface Runtime {
  config: Config;
  client: MimecastClient;
  sink: Sink;
  clock: Clock;
  logger: Logger;
  /** Destination table of a feed (default, or the MIMECAST_TABLE_NAMES override). */
  tableFor(feed: FeedSpec): string;
  streamFor(feed: FeedSpec): StreamSchema;
  feed(id: string): FeedSpec;
  /** The Sentinel threat-intelligence uploader, when MIMECAST_TI_WORKSPACE_ID is set. */
  tiUpload(): TiUpload | undefined;
}

export interface RuntimeOverrides {
  clock?: Clock;
  logger?: Logger;
  sink?: Sink;
  client?: MimecastClient;
  tiUpload?: TiUpload;
}

export function createRuntime(config: Config, overrides: RuntimeOverrides = {}): Runtime {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logLevel });
  const client =
    overrides.client ??
    new MimecastClient({
      baseUrl: config.mimecast.baseUrl,
      credentials: createCredentialsProvider(config, { clock, logger }),
      clock,
      logger,
      timeoutMs: config.mimecast.httpTimeoutMs,
      backoff: { maxRetries: config.mimecast.maxRetries },
      budgets: { ...config.mimecast.rateLimitBudgets },
      fileHostAllowlist: [...config.mimecast.fileHostAllowlist],
      allowInsecureHttp: config.allowInsecureHttp,
    });
  const sink = overrides.sink ?? createSink(config, logger);
  const tableFor = (feed: FeedSpec): string => config.sink.tableNames[feed.id] ?? feed.defaultTable;
  let tiUpload = overrides.tiUpload;
  const ti = config.threatIntelUpload;
  return {
    config,
    client,
    sink,
    clock,
    logger,
    tableFor,
    streamFor: (feed) => streamFor(feed, tableFor(feed)),
    tiUpload: () => {
      if (!tiUpload && ti) {
        tiUpload = new TiUploader({
          workspaceId: ti.workspaceId,
          credential: createAzureCredential(config),
          clock,
        });
      }
      return tiUpload;
    },
    feed: (id) => {
      const feed = feedById(id);
      if (!feed) throw new Error(`unknown feed "${id}"`);
      return feed;
    },
  };
}

export function createSink(config: Config, logger: Logger): Sink {
  const sink = config.sink;
  if (sink.kind === "local") return new LocalSink({ directory: sink.directory, logger });
  const sinkFor = (ruleId: string): Sink =>
    getSharedLogsIngestionSink({
      endpoint: sink.dceEndpoint,
      ruleId,
      credential: createAzureCredential(config),
      audience: sink.audience,
      concurrency: sink.concurrency,
      logger,
    });
  // Each table's stream lives in one of several DCRs (≤ 10 streams each): route by stream.
  if (Object.keys(sink.dcrRoutes).length === 0) return sinkFor(sink.dcrImmutableId);
  return new RoutedSink((stream) => dcrFor(sink, stream), sinkFor, true);
}

let shared: Runtime | undefined;

/** The process-wide runtime the Functions activities use (built on first use from app settings). */
export function sharedRuntime(build: () => Runtime): Runtime {
  shared ??= build();
  return shared;
}

/** Replaces the process-wide runtime (the local host and tests). */
export function setSharedRuntime(runtime: Runtime | undefined): void {
  shared = runtime;
}
