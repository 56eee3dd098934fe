/** What the simulator saw: one entry per request, in arrival order. */
import type { RequestFamily } from "./endpoints";

export interface RequestLogEntry {
  /** Simulator-clock time of arrival. */
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  family: RequestFamily;
  /** `api` = Mimecast API listener, `file` = presigned-file (S3-like) listener. */
  host: "api" | "file";
  /** Client id / app id of the authenticated application. */
  appId?: string;
  authorizationScheme?: "Bearer" | "MC";
  /** True when a file-host request carried an Authorization header (a client leaking its bearer to S3). */
  hadAuthorizationOnFileHost: boolean;
  /** HTTP status sent; 0 when the connection was reset or the client went away first. */
  status: number;
  /** Injected fault kinds, comma-separated. */
  fault?: string;
  /** Parsed JSON body of POST requests. */
  body?: unknown;
}

export class RequestLog {
  readonly entries: RequestLogEntry[] = [];

  constructor(private readonly capacity: number) {}

  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }
}
