import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { AxiosError } from "axios";
import type { MimecastClient } from "./client";
import {
  MimecastConfigurationError,
  MimecastExpiredUrlError,
  MimecastPermanentError,
  MimecastTransientError,
} from "./errors";
import type { NdjsonItem } from "./ndjson";
import { parseNdjson } from "./ndjson";
import type { BatchFileRef } from "./pagination";

export interface DownloadOptions {
  /** Resume inside a file: lines before this (1-based) are decompressed but not emitted. */
  startLine?: number;
  signal?: AbortSignal;
}

/** Path of a presigned URL without its query (the query holds the signature: never log it). */
export function redactPresignedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

/** Is `host` on the allow-list? Entries are exact host names or suffixes starting with a dot. */
export function hostAllowed(host: string, allowlist: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowlist.some((entry) => {
    const e = entry.toLowerCase().trim();
    return e.startsWith(".") ? h.endsWith(e) && h.length > e.length : h === e;
  });
}

/**
 * Streams one SIEM batch file (gzip NDJSON at a presigned URL) as numbered records and bad lines.
 * - The URL must be https (plain http only when the client allows it for the simulator) and its host
 *   on the allow-list; the Mimecast bearer token is never sent (a separate bare axios instance).
 * - Memory stays flat: network → gunzip → line splitter → consumer, with backpressure.
 * - 403/404 mean the presigned URL expired: `MimecastExpiredUrlError` (re-list the page for a fresh URL).
 * - A truncated or corrupt gzip stream, a reset or a stall raises `MimecastTransientError` *after* the
 *   lines read so far were yielded; `details[0].code` tells which, and the consumer resumes by line.
 */
export async function* downloadBatchFile(
  client: MimecastClient,
  file: BatchFileRef | string,
  options: DownloadOptions = {},
): AsyncGenerator<NdjsonItem> {
  const url = typeof file === "string" ? file : file.url;
  const shown = redactPresignedUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MimecastConfigurationError(`batch file URL is not a URL: ${shown}`, shown);
  }
  if (parsed.protocol !== "https:" && !(client.allowInsecureHttp && parsed.protocol === "http:")) {
    throw new MimecastConfigurationError(`batch file URL must be https: ${shown}`, shown);
  }
  if (!hostAllowed(parsed.hostname, client.fileHostAllowlist)) {
    throw new MimecastConfigurationError(
      `batch file host ${parsed.hostname} is not on the allow-list (${client.fileHostAllowlist.join(", ")}); ` +
        `add it to MIMECAST_FILE_HOST_ALLOWLIST if Mimecast really serves files from there`,
      shown,
    );
  }

  const controller = new AbortController();
  const abortFromCaller = (): void => controller.abort();
  options.signal?.addEventListener("abort", abortFromCaller, { once: true });
  let body: Readable | undefined;
  try {
    let response;
    try {
      response = await client.fileHttp.get<Readable>(url, {
        timeout: client.timeoutMs,
        signal: controller.signal,
        headers: { Accept: "*/*" },
      });
    } catch (error) {
      throw new MimecastTransientError(
        `download of ${shown} failed without a response (${error instanceof AxiosError ? (error.code ?? "network") : "network"})`,
        shown,
        undefined,
        [{ code: "network", message: (error as Error).message }],
        { cause: error },
      );
    }
    body = response.data;
    if (response.status === 403 || response.status === 404) {
      body.resume();
      throw new MimecastExpiredUrlError(
        `batch file URL answered ${response.status} (expired presigned URL${typeof file === "string" ? "" : `, expiry ${file.expiry}`}): re-list the page`,
        shown,
        response.status,
      );
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      body.resume();
      throw new MimecastTransientError(`batch file host answered ${response.status}`, shown, response.status);
    }
    if (response.status < 200 || response.status >= 300) {
      body.resume();
      throw new MimecastPermanentError(`batch file host answered ${response.status}`, shown, response.status);
    }

    const stalled = stallGuard(body, client.timeoutMs, controller);
    let lastLine = (options.startLine ?? 1) - 1;
    try {
      for await (const item of parseNdjson(gunzipIfNeeded(body, stalled), options)) {
        lastLine = item.line;
        yield item;
      }
    } catch (error) {
      const code = stalled.fired
        ? "stalled"
        : isZlibError(error)
          ? "corrupt-gzip"
          : error instanceof Error && "code" in error && error.code === "ERR_STREAM_PREMATURE_CLOSE"
            ? "truncated"
            : "network";
      throw new MimecastTransientError(
        `download of ${shown} broke after line ${lastLine} (${code}): ${(error as Error).message}`,
        shown,
        response.status,
        [{ code, message: `resume at line ${lastLine + 1}` }],
        { cause: error },
      );
    } finally {
      stalled.clear();
    }
  } finally {
    options.signal?.removeEventListener("abort", abortFromCaller);
    if (body && !body.destroyed) body.destroy();
  }
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Batch files are gzip; tolerate an already-decompressed body (proxies, Content-Encoding) by sniffing. */
async function* gunzipIfNeeded(body: Readable, guard: StallGuard): AsyncGenerator<Buffer> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const first = await guard.waitFor(iterator.next());
  if (first.done) return;
  const head = first.value;
  const rest = async function* (): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await guard.waitFor(iterator.next());
      if (next.done) return;
      yield next.value;
    }
  };
  if (head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
    const gunzip = createGunzip();
    const source = rest();
    // Pipe by hand so an upstream error reaches the consumer as an error, not a silent end.
    void (async () => {
      try {
        for await (const chunk of source) {
          if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once("drain", r));
        }
        gunzip.end();
      } catch (error) {
        gunzip.destroy(error as Error);
      }
    })();
    yield* gunzip as AsyncIterable<Buffer>;
  } else {
    yield* rest();
  }
}

function isZlibError(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    (error.code.startsWith("Z_") || error.code === "ERR_ZLIB_BINDING_CLOSED")
  );
}

interface StallGuard {
  fired: boolean;
  /** Waits for the next network chunk; aborts the download if it takes longer than the idle limit. */
  waitFor<T>(next: Promise<T>): Promise<T>;
  clear(): void;
}

/**
 * Aborts the download when the network delivers nothing for `idleMs` while we are waiting for it
 * (axios' timeout only covers the response headers; a slow consumer is not a stall).
 */
function stallGuard(body: Readable, idleMs: number, controller: AbortController): StallGuard {
  let timer: NodeJS.Timeout | undefined;
  const guard: StallGuard = {
    fired: false,
    waitFor: async (next) => {
      timer = setTimeout(() => {
        guard.fired = true;
        controller.abort();
        body.destroy(new Error(`no data for ${idleMs} ms`));
      }, idleMs);
      try {
        return await next;
      } finally {
        clearTimeout(timer);
      }
    },
    clear: () => clearTimeout(timer),
  };
  return guard;
}
