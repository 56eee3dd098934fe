import { cursorLagSeconds, cursorStatus, windowsBehind } from "../planning/cursorStatus";
import type { CursorStatus } from "../planning/cursorStatus";
import { planCursor } from "../planning/planner";
import type { CheckpointState, CursorDescriptor, CycleSettings } from "../planning/types";

/**
 * What the status route, its compact `summary`, the status page and `npm start`'s exit table show per
 * cursor. Labels and backlog come from src/planning/cursorStatus, as the health table's do.
 */

export interface CursorView {
  status: CursorStatus;
  lagSeconds: number | undefined;
  backlogWindows: number;
}

export function cursorView(
  descriptor: CursorDescriptor,
  state: CheckpointState,
  settings: CycleSettings,
  now: number,
): CursorView {
  const backlogWindows = windowsBehind(descriptor, planCursor(descriptor, state, settings, now), now);
  return {
    status: cursorStatus(state, backlogWindows, now),
    lagSeconds: cursorLagSeconds(state, now, descriptor.lagMs),
    backlogWindows,
  };
}

/** The fields of a status-route cursor entry that the summary reads. */
export interface SummaryCursor {
  cursor: string;
  status: string;
  lagSeconds?: number | undefined;
  backlogWindows: number;
  eventsTotal: number;
  eventsLastCycle?: number | undefined;
  deadLettered: number;
  lastError?: string | undefined;
  /** SIEM types: the path that owns the type ("batch" | "stream"), why, and since when (ISO). */
  owner?: string | undefined;
  ownerReason?: string | undefined;
  ownerSince?: string | undefined;
}

/** "1h05m", "4m10s", "75s": lag at a glance. */
export function formatLag(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 120) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours}h${String(minutes % 60).padStart(2, "0")}m` : `${Math.floor(hours / 24)}d`;
}

/** One line per cursor: the overview the README tells users to look for. */
export function summaryLine(c: SummaryCursor): string {
  const parts = [
    `${c.cursor}: ${c.status}`,
    `lag ${formatLag(c.lagSeconds)}`,
    `${c.backlogWindows} behind`,
    `${c.eventsTotal} events${c.eventsLastCycle !== undefined ? ` (+${c.eventsLastCycle})` : ""}`,
    `${c.deadLettered} dead-lettered`,
  ];
  // The reason starts with the owner ("stream (auto): batch caught up …").
  if (c.owner) parts.push(`owner: ${oneLine(c.ownerReason ?? c.owner, 80)}`);
  if (c.lastError) parts.push(`last error: ${oneLine(c.lastError, 80)}`);
  return parts.join(" · ");
}

export function summaryLines(cursors: readonly SummaryCursor[]): string[] {
  return cursors.map(summaryLine);
}

/**
 * A narrow plain-text table (no index column, no quotes) for terminals and logs. Columns are padded to
 * their widest cell; the last error is cut so a line stays under ~100 characters.
 */
export function summaryTable(cursors: readonly SummaryCursor[]): string {
  const header = ["cursor", "status", "lag", "behind", "events", "+cycle", "dead", "last error"];
  const rows = cursors.map((c) => [
    c.cursor,
    c.status,
    formatLag(c.lagSeconds),
    String(c.backlogWindows),
    String(c.eventsTotal),
    c.eventsLastCycle !== undefined ? String(c.eventsLastCycle) : "-",
    String(c.deadLettered),
    oneLine(c.lastError ?? "", 30),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const numeric = new Set([3, 4, 5, 6]);
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * Under the table, one line per SIEM type: the path that owns it, why (cut at 80 characters) and since
 * when — too long for a column of the table, which stays under ~100 characters. Empty without SIEM types.
 */
export function ownerLines(cursors: readonly SummaryCursor[]): string[] {
  const siem = cursors.filter((c) => c.owner !== undefined);
  if (siem.length === 0) return [];
  const width = Math.max(...siem.map((c) => c.cursor.length));
  return [
    "SIEM types — owner: reason (since):",
    ...siem.map((c) => {
      const since = c.ownerSince ? ` (since ${c.ownerSince.slice(0, 16)}Z)` : "";
      return `  ${c.cursor.padEnd(width)}  ${oneLine(c.ownerReason ?? c.owner ?? "", 80)}${since}`;
    }),
  ];
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
