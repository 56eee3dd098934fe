/** What handlers get: the parsed request and the simulator's shared state. */
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { BatchFiles } from "../core/batch-files";
import type { SimClock } from "../core/clock";
import type { AppIdentity, ResolvedOptions } from "../core/options";
import type { TokenSigner } from "../core/signed-token";
import type { EventUniverse } from "../core/universe";
import type { FaultInjector } from "./faults";
import type { TokenStore } from "./oauth-tokens";
import type { RequestLog } from "./request-log";

export interface SimContext {
  options: ResolvedOptions;
  clock: SimClock;
  universe: EventUniverse;
  batchFiles: BatchFiles;
  tokens: TokenStore;
  faults: FaultInjector;
  /** Signs continuation tokens. */
  signer: TokenSigner;
  /** Secret for presigned file URLs (the file host's "AWS key"). */
  fileUrlSecret: string;
  requestLog: RequestLog;
  /** Base URL of the file host, known once it listens. */
  fileBaseUrl(): string;
  apiBaseUrl(): string;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** Parsed JSON body; `undefined` for an empty body. */
  body: unknown;
  /** Set when the body is not valid JSON. */
  bodyError?: string;
  app?: AppIdentity;
  /** Simulator-clock time of arrival: every handler decision uses this one instant. */
  now: number;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialised with JSON.stringify and sent as application/json. */
  json?: unknown;
  body?: string | Buffer | Readable;
}

export type Handler = (request: ApiRequest, sim: SimContext) => SimResponse | Promise<SimResponse>;
