/** What `doctor` reports: one row per check, and whether anything enabled would fail. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface DoctorCheck {
  /** What was checked, e.g. "configuration", "mimecast auth", "feed dlp", "key vault secret x". */
  name: string;
  status: CheckStatus;
  /** What was found. Never holds a secret value. */
  detail: string;
  /** What to change when the status is not ok. */
  fix?: string;
}

export interface DoctorReport {
  /** ISO time the checks ran. */
  checkedAt: string;
  checks: DoctorCheck[];
  /** 0 when nothing failed (warnings allowed), 1 when any enabled part would fail. */
  exitCode: 0 | 1;
}

export function exitCodeOf(checks: readonly DoctorCheck[]): 0 | 1 {
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}
