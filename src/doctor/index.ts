export { runDoctorChecks } from "./doctor";
export type { DoctorDeps } from "./doctor";
export { formatReport, reportJson } from "./format";
export { PROBE_STATUS, probeRow } from "./sinkProbe";
export type { CheckStatus, DoctorCheck, DoctorReport } from "./types";
