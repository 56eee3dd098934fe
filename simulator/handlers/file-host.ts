/**
 * The presigned-file host (an S3 stand-in on its own port). It needs no Mimecast credentials: the URL's
 * signature and expiry are the only access control, exactly like a presigned S3 GET.
 */
import { Readable } from "node:stream";
import type { BatchFileRef, LineRewriter } from "../core/batch-files";
import type { ApiRequest, SimContext, SimResponse } from "../http/context";
import type { FaultRule, MalformedLine } from "../http/faults";
import { checkPresigned } from "../http/presign";
import { s3Error } from "../http/responses";

export async function serveBatchFile(
  request: ApiRequest,
  sim: SimContext,
  noteFault: (kind: string) => void,
): Promise<SimResponse> {
  if (request.method !== "GET")
    return s3Error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  const ref = sim.batchFiles.parseObjectPath(request.path);
  if (!ref) return s3Error(404, "NoSuchKey", "The specified key does not exist.");
  const check = checkPresigned(sim.fileUrlSecret, request.path, request.query);
  if (!check.ok) {
    return check.reason === "signature"
      ? s3Error(
          403,
          "SignatureDoesNotMatch",
          "The request signature we calculated does not match the signature you provided.",
        )
      : s3Error(
          403,
          "AccessDenied",
          "Query-string authentication requires the X-Amz-Signature, X-Amz-Date and X-Amz-Expires parameters.",
        );
  }
  const expired = (): SimResponse =>
    s3Error(403, "AccessDenied", "Request has expired", {
      "X-Amz-Expires": String(check.expiresSeconds),
      Expires: new Date(check.expiresAt).toISOString(),
      ServerTime: new Date(request.now).toISOString(),
    });
  if (request.now > check.expiresAt) return expired();
  if (!sim.batchFiles.exists(ref, request.now))
    return s3Error(404, "NoSuchKey", "The specified key does not exist.");

  const fault = sim.faults.take(["expired-url", "truncated-gzip", "malformed-lines", "trailing-bytes"], {
    family: "siem-file",
    path: request.path,
    method: request.method,
  });
  if (fault) noteFault(fault.kind);
  const headers = { "Content-Type": "application/octet-stream" };

  if (fault?.kind === "expired-url") return expired();
  if (fault?.kind === "truncated-gzip") {
    const size = await sim.batchFiles.size(ref);
    const cut = Math.max(0, Math.min(size, fault.atByte ?? Math.floor(size / 2)));
    return {
      status: 200,
      headers: { ...headers, "Content-Length": String(cut) },
      body: Readable.from(firstBytes(sim.batchFiles.body(ref), cut)),
    };
  }
  if (fault?.kind === "trailing-bytes") {
    return { status: 200, headers, body: Readable.from(withTrailer(sim.batchFiles.body(ref), fault.bytes)) };
  }
  if (fault?.kind === "malformed-lines") {
    const rewrite = malformedRewriter(sim, ref, request.path, fault);
    return { status: 200, headers, body: sim.batchFiles.body(ref, rewrite) };
  }
  const size = await sim.batchFiles.size(ref);
  return {
    status: 200,
    headers: { ...headers, "Content-Length": String(size) },
    body: sim.batchFiles.body(ref),
  };
}

/** The whole gzip body, then bytes that are not gzip (seen in the wild: padding, a proxy's error text). */
async function* withTrailer(
  source: Readable,
  bytes = "<html>502 Bad Gateway</html>\n",
): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield chunk as Buffer;
  yield Buffer.from(bytes, "latin1");
}

async function* firstBytes(source: Readable, limit: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (limit === 0) {
    source.destroy();
    return;
  }
  for await (const chunk of source) {
    const part = (chunk as Buffer).subarray(0, limit - sent);
    sent += part.length;
    yield part;
    if (sent >= limit) break;
  }
}

/** The kinds of garbage peers have met in real files: cut-off JSON, binary junk, an HTML error page. */
const GARBAGE: ReadonlyArray<(line: string) => string | Buffer> = [
  (line) => line.slice(0, Math.max(1, Math.floor(line.length / 3))),
  () => Buffer.from([0x00, 0x13, 0xff, 0xfe, 0x80, 0x1f, 0x8b, 0x08]),
  () => "<html><body><h1>502 Bad Gateway</h1></body></html>",
];

function malformedRewriter(
  sim: SimContext,
  ref: BatchFileRef,
  file: string,
  fault: Extract<FaultRule, { kind: "malformed-lines" }>,
): LineRewriter {
  let targets: Set<number>;
  if (fault.lines) {
    targets = new Set(fault.lines);
  } else {
    const total = sim.batchFiles.lineCount(ref);
    const count = Math.min(total, Math.max(1, fault.count ?? 1));
    targets = new Set(Array.from({ length: count }, (_, k) => 1 + Math.floor(((k + 0.5) * total) / count)));
  }
  let garbageIndex = 0;
  return (lineNumber, line) => {
    if (!targets.has(lineNumber)) return line;
    const make = GARBAGE[garbageIndex++ % GARBAGE.length] ?? GARBAGE[0]!;
    const garbage = make(line);
    const entry: MalformedLine = {
      file,
      lineNumber,
      text: typeof garbage === "string" ? garbage : garbage.toString("latin1"),
      originalLine: line,
    };
    sim.faults.recordMalformed(entry);
    return garbage;
  };
}
