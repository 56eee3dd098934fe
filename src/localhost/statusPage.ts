/**
 * The local host's read-only status page at `/`: the body of GET /api/ingestion/status rendered as a
 * table per cursor plus a lag and throughput chart over the run (inline SVG, no scripts from anywhere),
 * reloaded every few seconds. Pure rendering; the host keeps the samples the chart draws.
 */

/** What the page reads of a status-route cursor entry. */
interface PageCursor {
  cursor: string;
  feed: string;
  owner?: string;
  /** SIEM types: why the owner owns the type, and since when. */
  ownerReason?: string;
  ownerSince?: string;
  status: string;
  lagSeconds?: number;
  eventsTotal: number;
  eventsLastCycle?: number;
  deadLettered: number;
  lastError?: string;
  /** The feed's table and, when sent to Sentinel, the immutable id of the DCR holding its stream. */
  table?: string;
  dcr?: string;
}

export interface StatusSample {
  at: number;
  /** Largest lag over all cursors (s). */
  maxLagSeconds: number;
  /** Events ingested so far over all cursors. */
  events: number;
}

const MAX_SAMPLES = 240;
export const REFRESH_SECONDS = 5;

/** Samples of the run, one per page view (the page reloads itself), capped. */
export class StatusHistory {
  private readonly samples: StatusSample[] = [];

  add(at: number, body: Record<string, unknown>): readonly StatusSample[] {
    const cursors = cursorsOf(body);
    const last = this.samples[this.samples.length - 1];
    const sample: StatusSample = {
      at,
      maxLagSeconds: Math.max(0, ...cursors.map((c) => c.lagSeconds ?? 0)),
      events: cursors.reduce((n, c) => n + c.eventsTotal, 0),
    };
    if (last && last.at === sample.at) this.samples[this.samples.length - 1] = sample;
    else this.samples.push(sample);
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    return this.samples;
  }
}

function cursorsOf(body: Record<string, unknown>): PageCursor[] {
  return Array.isArray(body["cursors"]) ? (body["cursors"] as PageCursor[]) : [];
}

const escape = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch] ?? ch,
  );

const text = (value: unknown, none = "–"): string =>
  typeof value === "string" || typeof value === "number" ? String(value) : none;

function lag(seconds: number | undefined): string {
  if (seconds === undefined) return "–";
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** "Table_CL → dcr-…", or the table alone when rows go to local files. */
function destination(c: PageCursor): string {
  if (!c.table) return "–";
  return c.dcr ? `${c.table} → ${c.dcr}` : c.table;
}

/** A SIEM type's reason for its owner and since when; empty for other cursors. */
function why(c: PageCursor): string {
  if (!c.ownerReason) return "";
  return c.ownerSince ? `${c.ownerReason} (since ${c.ownerSince})` : c.ownerReason;
}

/** A polyline chart of `values` over the samples' times, scaled to its own maximum. */
function chart(title: string, unit: string, samples: readonly StatusSample[], values: number[]): string {
  const width = 420;
  const height = 120;
  const max = Math.max(1, ...values);
  const first = samples[0]?.at ?? 0;
  const span = Math.max(1, (samples[samples.length - 1]?.at ?? 0) - first);
  const points = samples
    .map((s, i) => {
      const x = samples.length === 1 ? width / 2 : ((s.at - first) / span) * width;
      const y = height - ((values[i] ?? 0) / max) * (height - 10);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return `<figure><figcaption>${escape(title)} (max ${Math.round(max)} ${unit})</figcaption>
<svg role="img" aria-label="${escape(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="${width}" height="${height}" fill="#f6f8fa"/><polyline fill="none" stroke="#0969da" stroke-width="2" points="${points}"/>
</svg></figure>`;
}

export function renderStatusPage(body: Record<string, unknown>, samples: readonly StatusSample[]): string {
  const cursors = cursorsOf(body);
  const instance = typeof body["instanceId"] === "string" ? body["instanceId"] : "supervisor";
  const rows = cursors
    .map(
      (c) => `<tr data-cursor="${escape(c.cursor)}" class="${escape(c.status)}">
<td>${escape(c.feed)}</td><td>${escape(c.cursor)}</td><td>${escape(c.owner ?? instance)}</td><td class="status">${escape(c.status)}</td>
<td class="num">${lag(c.lagSeconds)}</td><td class="num">${c.eventsTotal}</td><td class="num">${c.eventsLastCycle ?? "–"}</td>
<td class="num">${c.deadLettered}</td><td class="error">${escape(c.lastError ?? "")}</td>
<td class="route">${escape(destination(c))}</td><td class="why">${escape(why(c))}</td></tr>`,
    )
    .join("\n");
  // Throughput: events per minute between consecutive samples.
  const throughput = samples.map((s, i) => {
    const prev = samples[i - 1];
    return prev && s.at > prev.at ? ((s.events - prev.events) * 60_000) / (s.at - prev.at) : 0;
  });
  const header = [
    `runtime: <b id="runtime">${escape(text(body["runtimeStatus"], "unknown"))}</b>`,
    `cycle: <b id="cycle">${escape(text(body["cycle"]))}</b>`,
    `phase: ${escape(text(body["phase"]))}`,
    `next tick: ${escape(text(body["nextTickAt"]))}`,
  ].join(" · ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>mimecast-sentinel status</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#1f2328}
table{border-collapse:collapse}th,td{padding:.25rem .6rem;border-bottom:1px solid #d0d7de;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.error{color:#cf222e;max-width:28rem}
tr.failing td.status{color:#cf222e;font-weight:bold}tr.behind td.status,tr.rate-limited td.status{color:#9a6700}
tr.ok td.status{color:#1a7f37}figure{display:inline-block;margin:1rem 1rem 0 0}
</style></head><body>
<h1>mimecast-sentinel</h1>
<p>${header}</p>
<p>Read-only; the same data as <a href="/api/ingestion/status">/api/ingestion/status</a>. Reloads every ${REFRESH_SECONDS} s.</p>
<table id="cursors"><thead><tr><th>feed</th><th>cursor</th><th>owner</th><th>status</th><th>lag</th><th>events</th><th>last cycle</th><th>dead-letters</th><th>last error</th><th>table → DCR</th><th>owner's reason (since)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
${chart(
  "lag over the run",
  "s",
  samples,
  samples.map((s) => s.maxLagSeconds),
)}
${chart("throughput over the run", "events/min", samples, throughput)}
</body></html>
`;
}
