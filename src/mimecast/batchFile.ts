import type { Readable } from "node:stream";
import { crc32, createGunzip } from "node:zlib";
import { AxiosError } from "axios";
import { Gunzip } from "fflate";
import { getDomain } from "tldts-icann";
import type { MimecastClient } from "./client";
import {
  MimecastConfigurationError,
  MimecastExpiredUrlError,
  MimecastPermanentError,
  MimecastTransientError,
} from "./errors";
import type { NdjsonItem } from "./ndjson";
import { NdjsonParser } from "./ndjson";
import type { BatchFileRef } from "./pagination";

export interface DownloadOptions {
  /** Resume inside a file: lines before this (1-based) are decompressed but not emitted. */
  startLine?: number;
  signal?: AbortSignal;
}

/**
 * The default: S3's virtual-hosted bucket hosts (`bucket.s3.amazonaws.com`,
 * `bucket.s3.<region>.amazonaws.com`) where Mimecast's presigned batch files live — not every host under
 * amazonaws.com (EC2, API Gateway and load-balancer names there belong to anyone).
 */
export const DEFAULT_FILE_HOST_ALLOWLIST: readonly string[] = [".s3.amazonaws.com", ".s3.*.amazonaws.com"];

/** Path of a presigned URL without its query (the query holds the signature: never log it). */
export function redactPresignedUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "<invalid url>";
  }
}

/**
 * What identifies a batch file across listings: its object path. Presigned URLs change with every
 * listing — the query always, the host too when Mimecast (or its storage) serves the next listing from
 * another endpoint — so a resume point matched on more than the path would start its page over and
 * send it again. Accepts a stored full URL (older checkpoints) as well as a path.
 */
export function batchFileKey(urlOrPath: string): string {
  if (urlOrPath.startsWith("/")) return urlOrPath;
  try {
    return new URL(urlOrPath).pathname;
  } catch {
    return urlOrPath;
  }
}

/**
 * Is `host` on the allow-list? Entries are exact host names or suffixes starting with a dot, where a
 * whole label may be `*` (one label). A suffix that is a bare public suffix (".co.uk") never matches,
 * however the list was built.
 */
export function hostAllowed(host: string, allowlist: readonly string[]): boolean {
  const labels = host.toLowerCase().split(".");
  return allowlist.some((entry) => {
    const e = entry.toLowerCase().trim();
    if (!e.startsWith(".")) return labels.join(".") === e;
    if (!suffixIsRegistrable(e)) return false;
    const suffix = e.slice(1).split(".");
    if (labels.length <= suffix.length) return false;
    const tail = labels.slice(labels.length - suffix.length);
    return suffix.every((label, i) => label === "*" || label === tail[i]) && labels[0] !== "";
  });
}

/** A ".suffix" entry ends in a registrable domain after its last `*` (".co.uk" and ".*.co.uk" do not). */
export function suffixIsRegistrable(entry: string): boolean {
  const labels = entry.replace(/^\./, "").split(".");
  const fixed = labels.slice(labels.lastIndexOf("*") + 1).join(".");
  return fixed.split(".").length >= 2 && getDomain(fixed) !== null;
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
  for await (const items of downloadBatchFileBatches(client, file, options)) yield* items;
}

/**
 * `downloadBatchFile` one network chunk at a time: each step yields the items that chunk completed (an
 * array, possibly empty), so the consumer pays one async step per chunk instead of one per record. Same
 * errors, at the same points: items before a break are yielded before it is thrown.
 */
export async function* downloadBatchFileBatches(
  client: MimecastClient,
  file: BatchFileRef | string,
  options: DownloadOptions = {},
): AsyncGenerator<NdjsonItem[]> {
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

  try {
    yield* readBatchFile(client, file, url, shown, options, false);
  } catch (error) {
    if (!(error instanceof ReadAgainExactly)) throw error;
    // node's zlib met bytes that are not gzip after the gzip data and dropped what it had just inflated
    // before them: read the file once more with the exact inflater, from the first line not handed over.
    yield* readBatchFile(client, file, url, shown, { ...options, startLine: error.nextLine }, true);
  }
}

/** One download of the file: `exact` inflates with fflate, which hands over every byte before a break. */
async function* readBatchFile(
  client: MimecastClient,
  file: BatchFileRef | string,
  url: string,
  shown: string,
  options: DownloadOptions,
  exact: boolean,
): AsyncGenerator<NdjsonItem[]> {
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
    const gunzip: GunzipState = { trailingBytes: false, lines: 0 };
    const parser = new NdjsonParser(options);
    const emit = (items: NdjsonItem[]): NdjsonItem[] => {
      if (items.length > 0) lastLine = items[items.length - 1]!.line;
      return items;
    };
    try {
      for await (const pieces of gunzipIfNeeded(body, stalled, gunzip, exact)) {
        const items: NdjsonItem[] = [];
        for (const piece of pieces) for (const item of parser.push(piece)) items.push(item);
        yield emit(items);
      }
      const last = emit(parser.end());
      if (gunzip.trailingBytes) {
        // Every line of the gzip data is in; what follows it is not gzip. Dead-letter that, finish the file.
        const line = Math.max(lastLine, gunzip.lines) + 1;
        if (line >= (options.startLine ?? 1)) {
          last.push({ kind: "bad-line", line, raw: "", reason: TRAILING_BYTES_REASON });
        }
      }
      if (last.length > 0) yield last;
    } catch (error) {
      if (error instanceof TrailingBytesNative) throw new ReadAgainExactly(lastLine + 1);
      const code = stalled.fired
        ? "stalled"
        : error instanceof GunzipError
          ? error.code
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

/** Reason of the dead-letter for bytes after the end of a file's gzip data. */
export const TRAILING_BYTES_REASON =
  "bytes after the end of the gzip data are not gzip: every line before them was read; the rest is unreadable";

interface GunzipState {
  /** The gzip data ended and bytes that are not another gzip member followed. */
  trailingBytes: boolean;
  /** Newlines decompressed so far (the position the trailing bytes sit at). */
  lines: number;
}

/** The gzip stream is broken: `corrupt-gzip` (bad data) or `truncated` (it ended mid-member). */
class GunzipError extends Error {
  constructor(
    readonly code: "corrupt-gzip" | "truncated",
    message: string,
  ) {
    super(message);
  }
}

/** Node's zlib met bytes that are not gzip after the gzip data (what it inflated just before is lost). */
class TrailingBytesNative extends Error {}

/** Internal: the file must be read again with the exact inflater from `nextLine` (never leaves this module). */
class ReadAgainExactly extends Error {
  constructor(readonly nextLine: number) {
    super(`read again from line ${nextLine}`);
  }
}

/**
 * Input is fed to the inflater in slices this small so that one slice can never inflate to more than a
 * few MB (deflate's ratio is at most ~1032:1): a bomb streams through in bounded memory.
 */
const INFLATE_SLICE_BYTES = 4096;
/** fflate's code for a malformed gzip header (here: a member that is not one). */
const FFLATE_INVALID_HEADER = 6;
const FFLATE_UNEXPECTED_EOF = 0;

/**
 * Batch files are gzip; tolerate an already-decompressed body (proxies, Content-Encoding) by sniffing.
 * By default node's zlib inflates, on the thread pool — off the main thread, which parses and maps the
 * previous slice meanwhile (issue 14: fflate's JavaScript inflate was the largest item left on the
 * main thread after the row JSON). Node's gunzip drops the output of the write in which it meets an
 * error, so it is fed small slices: a truncated or corrupt file loses at most the breaking slice's
 * output, as the exact path does. Trailing bytes that are not gzip would lose the last lines of the
 * file for ever, so there the native inflater gives up (`TrailingBytesNative`) and the file is read again
 * with `exact`: fflate's streaming Gunzip, which hands over every byte inflated before an error (node's
 * gunzip ignores trailing bytes that start with a NUL — padding — and so do we then). fflate
 * checks neither the end of the stream nor the trailer, so we do: the last member's CRC-32 and size
 * must match its trailer, or the file is truncated (or corrupt) — after every complete line before the
 * break was yielded.
 */
async function* gunzipIfNeeded(
  body: Readable,
  guard: StallGuard,
  state: GunzipState,
  exact: boolean,
): AsyncGenerator<Buffer[]> {
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
  if (!(head.length >= 2 && head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1)) {
    for await (const chunk of rest()) yield [chunk];
    return;
  }
  if (!exact) {
    yield* nativeGunzip(rest());
    return;
  }
  const out: Buffer[] = [];
  let inflated = 0;
  /** CRC-32 and size (mod 2^32) of the current member's output, and the last 8 input bytes seen. */
  let memberCrc = 0;
  let memberSize = 0;
  let tail = Buffer.alloc(0);
  const inflater = new Gunzip((chunk) => {
    if (chunk.length === 0) return;
    inflated += chunk.length;
    const buffer = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    memberCrc = crc32(buffer, memberCrc);
    memberSize = (memberSize + buffer.length) >>> 0;
    for (let i = buffer.indexOf(0x0a); i !== -1; i = buffer.indexOf(0x0a, i + 1)) state.lines += 1;
    out.push(buffer);
  });
  inflater.onmember = () => {
    memberCrc = 0;
    memberSize = 0;
  };
  /** Pushes one slice; false once the gzip data is over and the rest is trailing bytes. */
  const push = (slice: Uint8Array, final: boolean): boolean => {
    try {
      inflater.push(slice, final);
      return true;
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === FFLATE_INVALID_HEADER && inflated > 0) {
        state.trailingBytes = true;
        return false;
      }
      throw new GunzipError(
        code === FFLATE_UNEXPECTED_EOF ? "truncated" : "corrupt-gzip",
        `gzip data is ${code === FFLATE_UNEXPECTED_EOF ? "truncated" : "corrupt"} (${(error as Error).message})`,
      );
    }
  };
  for await (const chunk of rest()) {
    tail = Buffer.concat([tail, chunk.subarray(Math.max(0, chunk.length - 8))]).subarray(-8);
    let ok = true;
    let good = 0;
    try {
      for (let offset = 0; offset < chunk.length && ok; offset += INFLATE_SLICE_BYTES) {
        good = out.length;
        ok = push(chunk.subarray(offset, offset + INFLATE_SLICE_BYTES), false);
        // A bomb's slices are consumed as they come: never more than a few MB of output held.
        if (inflatedHeld(out) > MAX_HELD_BYTES) yield out.splice(0);
      }
    } catch (error) {
      // What earlier slices inflated is good: hand it over first (not the breaking slice's output).
      out.length = good;
      if (out.length > 0) yield out.splice(0);
      throw error;
    }
    if (out.length > 0) yield out.splice(0);
    if (!ok) return;
  }
  push(new Uint8Array(0), true);
  if (out.length > 0) yield out.splice(0);
  if (tail.length < 8 || tail.readUInt32LE(0) !== memberCrc >>> 0 || tail.readUInt32LE(4) !== memberSize) {
    throw new GunzipError("truncated", "gzip data ended early (its CRC-32/size trailer does not match)");
  }
}

/**
 * Node's zlib (thread pool), one slice in flight while the output of the one before is handed over.
 * Everything inflated before an error is handed over before the error is thrown.
 */
async function* nativeGunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  const inflater = createGunzip({ chunkSize: NATIVE_OUTPUT_BYTES });
  let out: Buffer[] = [];
  let failure: (Error & { code?: string }) | undefined;
  let ended = false;
  /** Settles the one step in flight (a slice written, or the end) — by its callback or by an error. */
  let settle: (() => void) | undefined;
  inflater.on("data", (buffer: Buffer) => out.push(buffer));
  inflater.on("error", (error: Error) => {
    failure = error;
    settle?.();
  });
  inflater.on("end", () => {
    ended = true;
    settle?.();
  });
  const step = (start: () => void): Promise<void> =>
    new Promise<void>((resolve) => {
      settle = resolve;
      if (failure || ended) resolve();
      else start();
    });
  const take = (): Buffer[] => {
    const ready = out;
    out = [];
    return ready;
  };
  const broken = (error: Error & { code?: string }): Error => {
    if (error.code === "Z_BUF_ERROR") {
      return new GunzipError("truncated", `gzip data is truncated (${error.message})`);
    }
    // The first header was sniffed, so a header that fails is (almost always) what follows the gzip
    // data: bytes that are not gzip, whose write's output node dropped. The exact inflater decides.
    if (/incorrect header check/.test(error.message)) return new TrailingBytesNative();
    return new GunzipError("corrupt-gzip", `gzip data is corrupt (${error.message})`);
  };
  let inFlight: Promise<void> | undefined;
  /** The gzip data ended with input left (another member, or bytes that are not gzip). */
  let endedEarly = false;
  try {
    reading: for await (const chunk of source) {
      for (let offset = 0; offset < chunk.length; offset += INFLATE_SLICE_BYTES) {
        if (inFlight) await inFlight;
        if (failure) break reading;
        // Node's gunzip ends at a member that ends exactly where a write ends and takes no more input
        // (a further write never completes): leave what follows to the exact inflater.
        if (ended) {
          endedEarly = true;
          break reading;
        }
        const ready = take();
        const slice = chunk.subarray(offset, offset + INFLATE_SLICE_BYTES);
        inFlight = step(() => inflater.write(slice, () => settle?.()));
        if (ready.length > 0) yield ready;
      }
    }
    if (inFlight && !endedEarly) await inFlight;
    if (!failure && !endedEarly) await step(() => inflater.end());
    const ready = take();
    if (ready.length > 0) yield ready;
    if (failure) throw broken(failure);
    if (endedEarly) throw new TrailingBytesNative();
  } finally {
    inflater.destroy();
  }
}

/** Output buffer of node's inflater: a 4 KB slice of a batch file usually inflates into one. */
const NATIVE_OUTPUT_BYTES = 64 * 1024;

/** Inflated bytes held at once before they are handed to the parser (one network chunk is usually far less). */
const MAX_HELD_BYTES = 4 * 1024 * 1024;

function inflatedHeld(out: readonly Buffer[]): number {
  let bytes = 0;
  for (const buffer of out) bytes += buffer.length;
  return bytes;
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
