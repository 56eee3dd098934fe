/**
 * API 1.0 SIEM lines (`/api/audit/get-siem-logs`). v1 records carry no type field: the file name tells the
 * log type. Field names follow the Elastic v1 fixtures (`datetime, aCode, acc, Sender, Rcpt, MsgId, …`).
 */
import { formatMimecastTime } from "../core/time-format";
import { ACCOUNT_CODE, TLS_CIPHERS, URL_CATEGORIES, attachment, externalIp, url } from "./identities";
import type { LogRecord, RecordBuilder, RecordContext } from "./types";

function common(ctx: RecordContext): LogRecord {
  const m = ctx.message();
  // `datetime` first: key_value lines start with `datetime=` (Sentinel's legacy parser relies on it).
  return {
    datetime: formatMimecastTime(ctx.eventTime),
    aCode: m.aggregateId.slice(0, 22),
    acc: ACCOUNT_CODE,
  };
}

const receipt: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const accepted = rng.chance(0.9);
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    Act: accepted ? "Acc" : "Rej",
    IP: m.senderIp,
    Dir: m.direction,
    Subject: accepted ? m.subject : null,
    MsgId: accepted ? m.messageId : null,
    headerFrom: m.sender,
    ...(accepted
      ? {}
      : { RejType: "Invalid Recipient", RejCode: "550", RejInfo: "Invalid recipient address" }),
    ...(rng.chance(0.8) ? { Cphr: rng.pick(TLS_CIPHERS), TlsVer: "TLSv1.2" } : {}),
  };
};

const process: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const held = rng.chance(0.1);
  const count = rng.int(0, 2);
  return {
    ...common(ctx),
    Sender: m.sender,
    Act: held ? "Hld" : "Acc",
    ...(held ? { Hld: rng.pick(["Spm", "Att", "Imp"]) } : {}),
    AttCnt: count,
    AttNames: count > 0 ? `"${attachment(rng).fileName}"` : null,
    AttSize: count > 0 ? rng.int(900, 90_000) : 0,
    MsgSize: rng.int(2_000, 160_000),
    MsgId: m.messageId,
    Subject: m.subject,
  };
};

const delivery: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const delivered = rng.chance(0.95);
  const tls = rng.chance(0.7);
  return {
    ...common(ctx),
    Delivered: delivered,
    IP: externalIp(rng),
    AttCnt: rng.int(0, 2),
    Dir: m.direction,
    ReceiptAck: delivered ? `250 2.6.0 <${m.messageId.slice(1, -1)}> Queued mail for delivery` : null,
    MsgId: m.messageId,
    Subject: m.subject,
    Latency: rng.int(200, 20_000),
    Sender: m.sender,
    Rcpt: m.recipient,
    AttSize: rng.int(0, 90_000),
    Attempt: delivered ? 1 : rng.int(1, 5),
    Snt: rng.int(100, 60_000),
    UseTls: tls ? "Yes" : "No",
    ...(tls ? { TlsVer: "TLSv1.2", Cphr: rng.pick(TLS_CIPHERS) } : {}),
    ...(delivered ? {} : { RejType: "Recipient email address is possibly incorrect", RejCode: "550" }),
    Route: "Office365",
  };
};

const av: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const file = attachment(rng);
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    Subject: m.subject,
    MsgId: m.messageId,
    IP: m.senderIp,
    Dir: m.direction,
    Virus: rng.pick(["Eicar-Test-Signature", "Trojan.Generic.Sim"]),
    fileName: file.fileName,
    fileExt: file.extension,
    fileMime: file.mimeType,
    md5: rng.hex(32),
    sha1: rng.hex(40),
    sha256: rng.hex(64),
    Size: file.size,
  };
};

const spamEventThread: RecordBuilder = (ctx) => {
  const m = ctx.message();
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    Subject: m.subject,
    MsgId: m.messageId,
    IP: m.senderIp,
  };
};

const journal: RecordBuilder = (ctx) => {
  const m = ctx.message();
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    RcptActType: "Jnl",
    Dir: m.direction,
    RcptHdrType: "Unknown",
  };
};

const ttpUrl: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const malicious = rng.chance(0.6);
  return {
    ...common(ctx),
    reason: malicious ? "malicious" : "clean",
    subject: m.subject,
    msgid: m.messageId,
    url: url(rng, malicious),
    route: m.direction.toLowerCase(),
    sourceIp: externalIp(rng),
    sender: m.sender,
    recipient: m.recipient,
    action: malicious ? "Block" : "Allow",
    urlCategory: rng.pick(URL_CATEGORIES),
    credentialTheft: null,
    senderDomain: m.sender.split("@")[1] ?? "",
  };
};

const ttpAttachment: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  const file = attachment(rng);
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    Subject: m.subject,
    MsgId: m.messageId,
    fileName: file.fileName,
    fileExt: file.extension,
    fileMime: file.mimeType,
    sha256: rng.hex(64),
    Result: rng.pick(["safe", "malicious", "timeout"]),
    Route: m.direction.toLowerCase(),
  };
};

const ttpImpersonation: RecordBuilder = (ctx) => {
  const m = ctx.message();
  const { rng } = ctx;
  return {
    ...common(ctx),
    Sender: m.sender,
    Rcpt: m.recipient,
    Subject: m.subject,
    MsgId: m.messageId,
    IP: m.senderIp,
    Definition: "Default Impersonation Definition",
    Hits: rng.int(1, 4),
    Action: rng.pick(["none", "hold"]),
    TaggedExternal: true,
    TaggedMalicious: rng.chance(0.6),
    InternalName: rng.chance(0.5),
    NewDomain: rng.chance(0.3),
    SimilarInternalDomain: rng.chance(0.3),
  };
};

export const SIEM_V1_BUILDERS: Readonly<Record<string, RecordBuilder>> = {
  receipt,
  process,
  delivery,
  av,
  spameventthread: spamEventThread,
  jrnl: journal,
  ttp_url: ttpUrl,
  ttp_ap: ttpAttachment,
  ttp_impersonation: ttpImpersonation,
};
