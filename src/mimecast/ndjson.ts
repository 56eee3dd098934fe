import { StringDecoder } from "node:string_decoder";

/** A parsed NDJSON line, or a line that could not be parsed (kept raw so nothing is lost). */
export type NdjsonItem =
  | {
      kind: "record";
      line: number;
      record: Record<string, unknown>;
      /** The line's text (BOM and CR stripped): `record` is `JSON.parse(text)`. */
      text?: string;
    }
  | { kind: "bad-line"; line: number; raw: string; reason: string };

/** Lines longer than this are reported as bad lines instead of growing a buffer without bound. */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;
/** How much of an over-long line is kept for the dead-letter. */
const OVERSIZE_KEEP_CHARS = 64 * 1024;

/**
 * Splits a byte stream into numbered lines (1-based) without holding more than one chunk plus one partial
 * line. Consumes the source with `for await`, so backpressure reaches the network.
 */
export async function* splitLines(
  source: AsyncIterable<Buffer | string>,
): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new StringDecoder("utf8");
  let carry = "";
  let oversized = false;
  let line = 0;
  for await (const chunk of source) {
    const text = carry + (typeof chunk === "string" ? chunk : decoder.write(chunk));
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl === -1) break;
      line += 1;
      if (line === 1 && start === 0 && text.startsWith(BOM)) start = BOM.length;
      if (oversized) {
        oversized = false;
        start = nl + 1;
        continue;
      }
      yield { line, text: stripCr(text.slice(start, nl)) };
      start = nl + 1;
    }
    carry = text.slice(start);
    if (carry.length > MAX_LINE_CHARS && !oversized) {
      oversized = true;
      // Report the line now (truncated) and drop the rest of it as it streams past.
      yield { line: line + 1, text: carry.slice(0, OVERSIZE_KEEP_CHARS) + OVERSIZE_MARKER };
      carry = "";
    } else if (oversized) {
      carry = "";
    }
  }
  let rest = carry + decoder.end();
  if (line === 0 && rest.startsWith(BOM)) rest = rest.slice(BOM.length);
  if (!oversized && rest.length > 0) yield { line: line + 1, text: stripCr(rest) };
}

/** A UTF-8 byte-order mark: some exporters start files with one; it is not part of line 1's JSON. */
const BOM = "\uFEFF";

export const OVERSIZE_MARKER = "\u0000[line exceeded the maximum length and was truncated]";

const stripCr = (s: string): string => (s.endsWith("\r") ? s.slice(0, -1) : s);

/**
 * The synchronous NDJSON core: fed chunks as they arrive, it returns the items each chunk completes — one
 * array per chunk, so a consumer pays one async step per network chunk instead of one per record. Same
 * rules as `splitLines` + `parseNdjson` (1-based line numbers, BOM stripped from line 1, CR stripped,
 * blank lines skipped, over-long lines reported truncated and the rest of them dropped, lines before
 * `startLine` counted but not emitted). Holds at most one chunk plus one partial line.
 */
export class NdjsonParser {
  private readonly decoder = new StringDecoder("utf8");
  private readonly startLine: number;
  private carry = "";
  private oversized = false;
  private line = 0;

  constructor(options: { startLine?: number } = {}) {
    this.startLine = options.startLine ?? 1;
  }

  /** Lines counted so far (complete ones, and an over-long one already reported). */
  get lines(): number {
    return this.line;
  }

  push(chunk: Buffer | string): NdjsonItem[] {
    const out: NdjsonItem[] = [];
    const text = this.carry + (typeof chunk === "string" ? chunk : this.decoder.write(chunk));
    let start = 0;
    for (;;) {
      const nl = text.indexOf("\n", start);
      if (nl === -1) break;
      this.line += 1;
      if (this.line === 1 && start === 0 && text.startsWith(BOM)) start = BOM.length;
      if (this.oversized) {
        this.oversized = false;
      } else if (this.line >= this.startLine) {
        const end = nl > start && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (end > start) this.take(text.slice(start, end), this.line, out);
      }
      start = nl + 1;
    }
    this.carry = start === 0 ? text : text.slice(start);
    if (this.carry.length > MAX_LINE_CHARS && !this.oversized) {
      this.oversized = true;
      // Report the line now (truncated) and drop the rest of it as it streams past.
      if (this.line + 1 >= this.startLine) {
        out.push({
          kind: "bad-line",
          line: this.line + 1,
          raw: this.carry.slice(0, OVERSIZE_KEEP_CHARS),
          reason: "line too long",
        });
      }
      this.carry = "";
    } else if (this.oversized) {
      this.carry = "";
    }
    return out;
  }

  /** The last line, when the input does not end with a newline. */
  end(): NdjsonItem[] {
    const out: NdjsonItem[] = [];
    let rest = this.carry + this.decoder.end();
    this.carry = "";
    if (this.line === 0 && rest.startsWith(BOM)) rest = rest.slice(BOM.length);
    if (!this.oversized && rest.length > 0 && this.line + 1 >= this.startLine) {
      this.take(stripCr(rest), this.line + 1, out);
    }
    return out;
  }

  private take(text: string, line: number, out: NdjsonItem[]): void {
    // Blank (whitespace-only) lines are skipped; a line starting with "{" is never blank.
    if (text.charCodeAt(0) !== OPEN_BRACE && text.trim().length === 0) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      out.push({ kind: "bad-line", line, raw: text, reason: `invalid JSON: ${(error as Error).message}` });
      return;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      out.push({ kind: "bad-line", line, raw: text, reason: "line is JSON but not an object" });
      return;
    }
    out.push({ kind: "record", line, record: parsed as Record<string, unknown>, text });
  }
}

const CR = 0x0d;
const OPEN_BRACE = 0x7b;

/** NDJSON records with line numbers; blank lines are skipped, unparseable ones become `bad-line` items. */
export async function* parseNdjson(
  source: AsyncIterable<Buffer | string>,
  options: { startLine?: number } = {},
): AsyncGenerator<NdjsonItem> {
  const parser = new NdjsonParser(options);
  for await (const chunk of source) yield* parser.push(chunk);
  yield* parser.end();
}
