/**
 * SIEM batch files: for each SIEM type, one gzip NDJSON file per 15-minute publish slot holding every event
 * published in that slot (late events land in the slot of their publish time, not their event time). A file
 * appears once its slot has ended and never changes afterwards. Bodies are generated and compressed on the
 * fly, chunk by chunk, so a file of millions of lines never sits in memory.
 */
import { Readable, pipeline } from "node:stream";
import zlib from "node:zlib";
import type { FeedKey } from "../feeds/types";
import { SIEM_CG_TYPES, SIEM_CI_TYPES } from "../feeds/types";
import { hashOf } from "./random";
import { BATCH_FILE_SLOT_MS } from "./slots";
import type { EventUniverse, SimEvent } from "./universe";

export type SiemProduct = "cg" | "ci";

export const SIEM_PRODUCTS: Readonly<Record<SiemProduct, { feed: FeedKey; types: readonly string[] }>> = {
  cg: { feed: "siem-cg", types: SIEM_CG_TYPES },
  ci: { feed: "siem-ci", types: SIEM_CI_TYPES },
};

export interface BatchFileRef {
  product: SiemProduct;
  type: string;
  /** Publish slot index (epoch ms / 15 min). */
  slot: number;
}

/** Replaces a line's bytes (fault injection); `lineNumber` is 1-based. Return the line unchanged to keep it. */
export type LineRewriter = (lineNumber: number, line: string) => string | Buffer;

export const BUCKET = "mimecast-siem-batch";
const CHUNK_BYTES = 64 * 1024;
const MAX_CACHED_SIZES = 50_000;
/** Fast compression: file sizes are realistic enough and generation stays CPU-cheap for big files. */
const GZIP_LEVEL = zlib.constants.Z_BEST_SPEED;

export class BatchFiles {
  /** Compressed sizes by file id; a listing needs them and computing one means compressing the file once. */
  private readonly sizes = new Map<string, Promise<number>>();

  constructor(
    private readonly universe: EventUniverse,
    private readonly seed: number,
  ) {}

  fileId(ref: BatchFileRef): string {
    const check = hashOf(this.seed, "batch-file", ref.product, ref.type, ref.slot)
      .toString(16)
      .padStart(8, "0");
    return `${ref.product}-${ref.slot}-${check}`;
  }

  objectPath(ref: BatchFileRef): string {
    const day = new Date(ref.slot * BATCH_FILE_SLOT_MS).toISOString();
    const [yyyy, mm, dd] = [day.slice(0, 4), day.slice(5, 7), day.slice(8, 10)];
    return `/${BUCKET}/${encodeURIComponent(ref.type)}/${yyyy}/${mm}/${dd}/${this.fileId(ref)}.json.gz`;
  }

  /** Inverse of `objectPath`; null for anything this simulator never handed out. */
  parseObjectPath(pathname: string): BatchFileRef | null {
    const parts = pathname.split("/");
    if (parts.length !== 7 || parts[0] !== "" || parts[1] !== BUCKET) return null;
    let type: string;
    try {
      type = decodeURIComponent(parts[2] ?? "");
    } catch {
      return null;
    }
    const m = /^(cg|ci)-(\d+)-[0-9a-f]{8}\.json\.gz$/.exec(parts[6] ?? "");
    if (!m) return null;
    const product = m[1] as SiemProduct;
    if (!SIEM_PRODUCTS[product].types.includes(type)) return null;
    const ref: BatchFileRef = { product, type, slot: Number(m[2]) };
    return this.objectPath(ref) === pathname ? ref : null;
  }

  publishedAt(ref: BatchFileRef): number {
    return (ref.slot + 1) * BATCH_FILE_SLOT_MS;
  }

  /** A file exists once its slot is over, if at least one event was published in it. */
  exists(ref: BatchFileRef, now: number): boolean {
    if (this.publishedAt(ref) > now) return false;
    return this.universe.hasPublishedIn(
      this.stream(ref),
      ref.slot * BATCH_FILE_SLOT_MS,
      this.publishedAt(ref),
    );
  }

  *events(ref: BatchFileRef): Generator<SimEvent> {
    const stream = this.stream(ref);
    for (const sk of this.universe.byPublishTime(
      stream,
      ref.slot * BATCH_FILE_SLOT_MS,
      this.publishedAt(ref),
    )) {
      yield this.universe.materialize(stream, sk);
    }
  }

  lineCount(ref: BatchFileRef): number {
    let n = 0;
    const stream = this.stream(ref);
    for (const _ of this.universe.byPublishTime(stream, ref.slot * BATCH_FILE_SLOT_MS, this.publishedAt(ref)))
      n++;
    return n;
  }

  /** The gzip NDJSON body, produced lazily with back-pressure. */
  body(ref: BatchFileRef, rewrite?: LineRewriter): Readable {
    const source = Readable.from(this.chunks(ref, rewrite), { objectMode: false });
    return pipeline(source, zlib.createGzip({ level: GZIP_LEVEL }), () => {
      // Errors and early closes surface on the returned stream; nothing to do here.
    });
  }

  /** Compressed size in bytes, as listed in `value[].size`. */
  size(ref: BatchFileRef): Promise<number> {
    const id = this.fileId(ref);
    let size = this.sizes.get(id);
    if (!size) {
      // Bounded: a long-running CLI simulator lists new files forever; recomputing an evicted size is cheap.
      if (this.sizes.size >= MAX_CACHED_SIZES) this.sizes.clear();
      size = countBytes(this.body(ref));
      void size.catch(() => this.sizes.delete(id));
      this.sizes.set(id, size);
    }
    return size;
  }

  private stream(ref: BatchFileRef) {
    return this.universe.stream(SIEM_PRODUCTS[ref.product].feed, ref.type);
  }

  private *chunks(ref: BatchFileRef, rewrite?: LineRewriter): Generator<Buffer> {
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let lineNumber = 0;
    for (const event of this.events(ref)) {
      lineNumber++;
      const line = JSON.stringify(event.record);
      const out = rewrite ? rewrite(lineNumber, line) : line;
      const bytes = Buffer.concat([typeof out === "string" ? Buffer.from(out, "utf8") : out, NEWLINE]);
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes >= CHUNK_BYTES) {
        yield Buffer.concat(pending, pendingBytes);
        pending.length = 0;
        pendingBytes = 0;
      }
    }
    if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
  }
}

const NEWLINE = Buffer.from("\n");

async function countBytes(stream: Readable): Promise<number> {
  let total = 0;
  for await (const chunk of stream) total += (chunk as Buffer).length;
  return total;
}
