/**
 * The batch-file inflater: node's zlib by default (thread pool), fflate read again only where node's
 * gunzip would lose lines for good. Oracle: the lines the local server was given to serve, and node's
 * zlib decoding the bytes itself.
 */
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import zlib from "node:zlib";
import { TRAILING_BYTES_REASON, downloadBatchFileBatches } from "../../src/mimecast/batchFile";
import { MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { MimecastTransientError } from "../../src/mimecast/errors";
import type { NdjsonItem } from "../../src/mimecast/ndjson";
import { localServer, within } from "./hostileHelpers";

const lines = (from: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({ n: from + i, pad: "abcdefghij".repeat((from + i) % 9) }),
  );
const body = (ls: string[]): Buffer => Buffer.from(ls.map((l) => `${l}\n`).join(""));

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Serves `chunks` as separate writes, a few ms apart (so each arrives as its own network chunk). */
async function serve(chunks: Buffer[]): Promise<{ url: string; requests: () => number }> {
  const server = await localServer((_req, _body, res) => {
    res.writeHead(200, { "content-type": "application/octet-stream" });
    let i = 0;
    const next = (): void => {
      if (i === chunks.length - 1) res.end(chunks[i]);
      else {
        res.write(chunks[i]);
        i += 1;
        setTimeout(next, 15);
      }
    };
    next();
  });
  close = () => server.close();
  return { url: `${server.url}/f.json.gz`, requests: () => server.requests.length };
}

const client = (): MimecastClient =>
  new MimecastClient({
    baseUrl: "http://127.0.0.1:1",
    credentials: staticCredentials({ kind: "oauth2", clientId: "t", clientSecret: "t-secret" }),
    allowInsecureHttp: true,
    fileHostAllowlist: ["127.0.0.1"],
    timeoutMs: 5_000,
  });

async function read(url: string): Promise<{ items: NdjsonItem[]; error?: unknown }> {
  const items: NdjsonItem[] = [];
  try {
    await within(
      10_000,
      (async () => {
        for await (const batch of downloadBatchFileBatches(client(), url)) items.push(...batch);
      })(),
    );
    return { items };
  } catch (error) {
    return { items, error };
  }
}

const records = (items: NdjsonItem[]): unknown[] =>
  items.flatMap((item) => (item.kind === "record" ? [item.record] : []));
const parsed = (ls: string[]): unknown[] => ls.map((l) => JSON.parse(l) as unknown);

describe("batch file inflate (node's zlib, fflate where node would lose lines)", () => {
  it("two gzip members, the first ending exactly where a network chunk ends: every line of both", async () => {
    const first = lines(0, 300);
    const second = lines(300, 500);
    const server = await serve([zlib.gzipSync(body(first)), zlib.gzipSync(body(second))]);
    const { items, error } = await read(server.url);
    assert.equal(error, undefined);
    assert.deepEqual(records(items), parsed([...first, ...second]));
  });

  it("gzip, then NUL padding in the next chunk: every line, and the padding is no bad line (node's gunzip ignores it)", async () => {
    const all = lines(0, 300);
    const server = await serve([zlib.gzipSync(body(all)), Buffer.alloc(512)]);
    const { items, error } = await read(server.url);
    assert.equal(error, undefined);
    assert.deepEqual(
      items,
      parsed(all).map((record, i) => ({ kind: "record", line: i + 1, record, text: all[i] })),
    );
  });

  it("gzip and bytes that are not gzip in one chunk: every line, then the trailing bytes as a bad line", async () => {
    const all = lines(0, 40);
    const server = await serve([
      Buffer.concat([zlib.gzipSync(body(all)), Buffer.from("<html>502</html>\n")]),
    ]);
    const { items, error } = await read(server.url);
    assert.equal(error, undefined);
    assert.deepEqual(records(items), parsed(all));
    assert.deepEqual(items.at(-1), {
      kind: "bad-line",
      line: all.length + 1,
      raw: "",
      reason: TRAILING_BYTES_REASON,
    });
    assert.ok(server.requests() <= 2, `${server.requests()} downloads`);
  });

  it("a truncated file loses at most the lines of the slice it breaks in, then says where to resume", async () => {
    const all = lines(0, 20_000);
    const gz = zlib.gzipSync(body(all));
    const cut = Math.floor(gz.length / 2);
    const server = await serve([gz.subarray(0, cut)]);
    const { items, error } = await read(server.url);
    assert.ok(error instanceof MimecastTransientError, String(error));
    assert.equal(error.details[0]?.code, "truncated");
    const got = records(items);
    assert.deepEqual(got, parsed(all.slice(0, got.length)), "a prefix of the file");
    // Independent: what node's zlib decodes from the bytes before the last 4 KB slice of the cut.
    const sure =
      zlib
        .gunzipSync(gz.subarray(0, cut - 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH })
        .toString()
        .split("\n").length - 1;
    assert.ok(got.length >= sure, `${got.length} lines delivered, ${sure} were certain`);
    assert.match(error.details[0]?.message ?? "", new RegExp(`resume at line ${got.length + 1}$`));
  });
});
