import { StringDecoder } from "node:string_decoder";

/** A parsed NDJSON line, or a line that could not be parsed (kept raw so nothing is lost). */
export type NdjsonItem =
  | { kind: "record"; line: number; record: Record<string, unknown> }
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

/** NDJSON records with line numbers; blank lines are skipped, unparseable ones become `bad-line` items. */
export async function* parseNdjson(
  source: AsyncIterable<Buffer | string>,
  options: { startLine?: number } = {},
): AsyncGenerator<NdjsonItem> {
  const startLine = options.startLine ?? 1;
  for await (const { line, text } of splitLines(source)) {
    if (line < startLine) continue;
    if (text.trim().length === 0) continue;
    if (text.endsWith(OVERSIZE_MARKER)) {
      yield { kind: "bad-line", line, raw: text.slice(0, -OVERSIZE_MARKER.length), reason: "line too long" };
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      yield { kind: "bad-line", line, raw: text, reason: `invalid JSON: ${(error as Error).message}` };
      continue;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      yield { kind: "bad-line", line, raw: text, reason: "line is JSON but not an object" };
      continue;
    }
    yield { kind: "record", line, record: parsed as Record<string, unknown> };
  }
}
