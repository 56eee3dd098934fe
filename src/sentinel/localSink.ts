import { appendFile, mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../shared/logger";
import { silentLogger } from "../shared/logger";
import { prepareRow } from "./limits";
import type { PreparedRow } from "./limits";
import { validateRow } from "./rowValidation";
import { outcomeFromFailures } from "./sink";
import type { FailedChunk, Sink, UploadOptions, UploadOutcome } from "./sink";
import { tableNameOfStream } from "./streams";
import type { SentinelRow, StreamSchema } from "./streams";

export interface LocalSinkOptions {
  /** Created on first write. */
  directory: string;
  logger?: Logger;
}

/**
 * Writes rows as NDJSON, one file per table (`Custom-Foo_CL` → `<directory>/Foo_CL.ndjson`): what
 * `npm start` produces without Azure. Rows go through the same truncation as the Logs Ingestion sink and
 * the same schema check as the tests' Logs Ingestion fake, so a local run shows what Sentinel would hold.
 *
 * Each upload is one `appendFile` of whole lines, and uploads to the same file are queued within the
 * process, so lines never interleave. A crash mid-write can leave a partial last line: readers should
 * skip a last line that does not parse.
 */
export class LocalSink implements Sink {
  /** Rows given prepared are written from their JSON (and checked from it), never read from `rows`. */
  readonly sendsPrepared = true;
  private readonly directory: string;
  private readonly logger: Logger;
  /** Last pending append per file: appends to one file run one after another. */
  private readonly fileQueues = new Map<string, Promise<unknown>>();
  private directoryReady: Promise<unknown> | undefined;
  /** Files whose end was checked for a torn last line left by a killed process. */
  private readonly checkedEnds = new Set<string>();

  constructor(options: LocalSinkOptions) {
    this.directory = options.directory;
    this.logger = options.logger ?? silentLogger;
  }

  /** The NDJSON file a stream's rows are appended to. */
  fileFor(stream: StreamSchema): string {
    return join(this.directory, `${tableNameOfStream(stream.streamName)}.ndjson`);
  }

  async upload(
    stream: StreamSchema,
    rows: readonly SentinelRow[],
    options: UploadOptions = {},
  ): Promise<UploadOutcome> {
    const failures: FailedChunk[] = [];
    const lines: string[] = [];
    const writtenIndexes: number[] = [];
    rows.forEach((row, index) => {
      const line = this.toLine(stream, row, index, options.prepared?.[index]);
      if (typeof line === "string") {
        lines.push(line);
        writtenIndexes.push(index);
      } else {
        failures.push(line);
      }
    });
    if (lines.length > 0) {
      const lost = await this.append(stream, lines.join("\n") + "\n", options.signal);
      if (lost) failures.push(...contiguousRanges(writtenIndexes).map((range) => ({ ...lost, ...range })));
    }
    const outcome = outcomeFromFailures(rows.length, failures);
    this.logger.info("local sink: upload finished", {
      stream: stream.streamName,
      records: rows.length,
      accepted: outcome.accepted,
      failed: outcome.failedIndexes.length,
    });
    return outcome;
  }

  /** The row's NDJSON line, or why it cannot be written. */
  private toLine(
    stream: StreamSchema,
    row: SentinelRow,
    index: number,
    given: PreparedRow | undefined,
  ): string | FailedChunk {
    const prepared = given ?? prepareRow(row, stream);
    if (!prepared.ok) {
      const message = `${stream.streamName}: row ${index} rejected: ${prepared.reason}`;
      return { firstIndex: index, count: 1, code: "row-too-large", retryable: false, message };
    }
    const problems = validateRow(prepared.row, stream);
    if (problems.length > 0) {
      const message = `${stream.streamName}: row ${index} does not match the stream: ${problems.join("; ")}`;
      return { firstIndex: index, count: 1, code: "schema-mismatch", retryable: false, message };
    }
    return prepared.json;
  }

  /** Appends `text`; on failure, the fields every row of this write fails with. */
  private async append(
    stream: StreamSchema,
    text: string,
    signal: AbortSignal | undefined,
  ): Promise<Omit<FailedChunk, "firstIndex" | "count"> | undefined> {
    if (signal?.aborted) {
      return { code: "not-sent", retryable: true, message: `${stream.streamName}: not written: aborted` };
    }
    const file = this.fileFor(stream);
    const previous = this.fileQueues.get(file) ?? Promise.resolve();
    const write = previous.then(async () => {
      this.directoryReady ??= mkdir(this.directory, { recursive: true });
      await this.directoryReady;
      // A process killed mid-append leaves a partial last line; without a newline after it, our first
      // row would be glued to it and lost to every reader.
      const prefix = this.checkedEnds.has(file) ? "" : await tornLineFix(file);
      await appendFile(file, prefix + text, "utf8");
      this.checkedEnds.add(file);
    });
    // The queue must continue after a failed write; the failure is reported below, not here.
    this.fileQueues.set(
      file,
      write.catch(() => undefined),
    );
    try {
      await write;
      return undefined;
    } catch (error) {
      this.directoryReady = undefined; // the directory may have been removed: recreate next time
      const detail = error instanceof Error ? error.message : String(error);
      // appendFile may have written part of the text before failing.
      return {
        code: "write-failed",
        retryable: true,
        message: `${stream.streamName}: writing ${file} failed: ${detail}`,
      };
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.fileQueues.values());
  }
}

/** `[3,4,5,8]` → `[{firstIndex:3,count:3},{firstIndex:8,count:1}]`. */
function contiguousRanges(sortedIndexes: readonly number[]): { firstIndex: number; count: number }[] {
  const ranges: { firstIndex: number; count: number }[] = [];
  for (const index of sortedIndexes) {
    const last = ranges[ranges.length - 1];
    if (last && last.firstIndex + last.count === index) last.count++;
    else ranges.push({ firstIndex: index, count: 1 });
  }
  return ranges;
}

/** "\n" when the file exists and does not end with one (a torn last line), else "". */
async function tornLineFix(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return "";
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a ? "" : "\n";
  } finally {
    await handle.close();
  }
}
