import type { DoctorCheck, DoctorReport } from "./types";

const STATUS_LABEL: Record<DoctorCheck["status"], string> = { ok: "ok", warn: "WARN", fail: "FAIL" };

/**
 * The report as an aligned table: status, check, detail, and the fix on its own line under a problem.
 * Plain text (no colours, no box drawing) so it reads the same in a terminal, a log and an issue.
 */
export function formatReport(report: DoctorReport, width = 120): string {
  const nameWidth = Math.max(5, ...report.checks.map((c) => c.name.length));
  const indent = 8 + nameWidth + 2;
  const detailWidth = Math.max(40, width - indent);
  const lines = [
    `mimecast-sentinel doctor — ${report.checkedAt}`,
    "",
    `${"STATUS".padEnd(8)}${"CHECK".padEnd(nameWidth + 2)}DETAIL`,
  ];
  for (const check of report.checks) {
    const [first = "", ...rest] = wrap(check.detail, detailWidth);
    lines.push(`${STATUS_LABEL[check.status].padEnd(8)}${check.name.padEnd(nameWidth + 2)}${first}`);
    for (const line of rest) lines.push(" ".repeat(indent) + line);
    if (check.fix !== undefined && check.status !== "ok") {
      for (const [i, line] of wrap(check.fix, detailWidth - 5).entries())
        lines.push(" ".repeat(indent) + (i === 0 ? "fix: " : "     ") + line);
    }
  }
  const count = (status: DoctorCheck["status"]): number =>
    report.checks.filter((c) => c.status === status).length;
  lines.push(
    "",
    `${count("ok")} ok, ${count("warn")} warning(s), ${count("fail")} failure(s) → exit code ${report.exitCode}`,
  );
  return lines.join("\n") + "\n";
}

/** The report as JSON (`--json`), for scripts and CI. */
export function reportJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}

/** Greedy word wrap; a word longer than the width stays whole on its own line. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line.length > 0 && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line.length > 0 ? `${line} ${word}` : word;
    }
  }
  lines.push(line);
  return lines;
}
