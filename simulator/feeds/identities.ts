/**
 * Pools of plausible names, domains, subjects and files. Only reserved example domains and documentation IP
 * ranges (RFC 2606 / RFC 5737) are used, so nothing generated points at a real organisation.
 */
import type { Rng } from "../core/random";

export const ACCOUNT_CODE = "CSIM4A274";
export const INTERNAL_DOMAIN = "sim-corp.example";
export const EXTERNAL_DOMAINS = [
  "arcadia-group.example",
  "pilot-meadow.example",
  "creative-omega.example",
  "empire-partners.example.net",
  "concept-variety.example.org",
  "evaluation-fuzz.example",
  "mailer.shop.example.com",
  "newsletter.example.org",
] as const;
export const LOOKALIKE_DOMAINS = ["sim-c0rp.example", "sim-corp-example.net", "simcorp.example.org"] as const;

const FIRST_NAMES = [
  "alex",
  "bea",
  "carlos",
  "dana",
  "elif",
  "farid",
  "grace",
  "hiro",
  "ines",
  "jonas",
  "kemi",
  "lena",
  "marco",
  "nadia",
  "oscar",
  "priya",
  "quinn",
  "rosa",
  "sami",
  "tariq",
  "uma",
  "victor",
  "wen",
  "xavier",
  "yara",
  "zoe",
] as const;
const LAST_NAMES = [
  "abbott",
  "berg",
  "costa",
  "diaz",
  "eriksen",
  "fischer",
  "garcia",
  "haddad",
  "ito",
  "jansen",
  "kowalski",
  "lopez",
  "meyer",
  "nowak",
  "okafor",
  "petrov",
  "quist",
  "rossi",
  "schmidt",
  "tanaka",
  "ueda",
  "varga",
  "weber",
  "young",
] as const;
const DEPARTMENTS = [
  "Finance",
  "Sales",
  "Engineering",
  "HR",
  "Legal",
  "Operations",
  "Marketing",
  "IT",
] as const;

export const SUBJECTS = [
  "Quarterly results draft",
  "RE: Invoice 4471 overdue",
  "FW: Meeting notes",
  "Your parcel is on its way",
  "Password expiry notice",
  "Updated contract for review",
  "Weekly Report",
  "Lunch on Friday?",
  "Action required: verify your account",
  "New shared document",
  "Payroll change request",
  "You have new held messages",
  "Security awareness training reminder",
  "Re: Project timeline",
  "Urgent wire transfer",
  "Your order confirmation",
  "Out of office",
  "Board pack v3",
] as const;

export interface AttachmentInfo {
  fileName: string;
  extension: string;
  mimeType: string;
  size: number;
}

const ATTACHMENTS: ReadonlyArray<readonly [string, string, string]> = [
  ["invoice", "pdf", "application/pdf"],
  ["report", "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
  ["figures", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
  ["archive", "zip", "application/zip"],
  ["scan", "png", "image/png"],
  ["setup", "exe", "application/x-msdownload"],
  ["macro-sheet", "xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"],
];

export const URL_CATEGORIES = [
  "Business",
  "Phishing & Fraud",
  "Compromised",
  "Dangerous file extension",
  "Malware",
  "Social Networking",
  "Shopping",
] as const;

export const TLS_CIPHERS = [
  "TLS_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
  "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
] as const;

export interface Person {
  name: string;
  email: string;
  department: string;
}

export function internalPerson(rng: Rng): Person {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return {
    name: `${capitalise(first)} ${capitalise(last)}`,
    email: `${first}.${last}@${INTERNAL_DOMAIN}`,
    department: rng.pick(DEPARTMENTS),
  };
}

/** Person number `n` of a fixed directory (stable across days: awareness-training users). */
export function directoryPerson(n: number): Person & { userId: string } {
  const first = FIRST_NAMES[n % FIRST_NAMES.length] ?? "user";
  const last = LAST_NAMES[Math.floor(n / FIRST_NAMES.length) % LAST_NAMES.length] ?? "sim";
  const suffix = n >= FIRST_NAMES.length * LAST_NAMES.length ? String(n) : "";
  return {
    userId: `usr-${String(n).padStart(5, "0")}`,
    name: `${capitalise(first)} ${capitalise(last)}`,
    email: `${first}.${last}${suffix}@${INTERNAL_DOMAIN}`,
    department: DEPARTMENTS[n % DEPARTMENTS.length] ?? "IT",
  };
}

export function externalAddress(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)}${rng.int(1, 99)}@${rng.pick(EXTERNAL_DOMAINS)}`;
}

export function attachment(rng: Rng): AttachmentInfo {
  const [base, extension, mimeType] = rng.pick(ATTACHMENTS);
  return {
    fileName: `${base}-${rng.int(100, 9999)}.${extension}`,
    extension,
    mimeType,
    size: rng.int(900, 4_000_000),
  };
}

/** Public documentation ranges (RFC 5737) for external senders, 10/8 for internal relays. */
export function externalIp(rng: Rng): string {
  const prefix = rng.pick(["192.0.2", "198.51.100", "203.0.113"]);
  return `${prefix}.${rng.int(1, 254)}`;
}

export function internalIp(rng: Rng): string {
  return `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export function url(rng: Rng, malicious: boolean): string {
  const host = malicious ? rng.pick(LOOKALIKE_DOMAINS) : rng.pick(EXTERNAL_DOMAINS);
  const path = rng.pick(["login", "invoice", "track", "docs/share", "promo", "account/verify", "download"]);
  return `https://${host}/${path}?id=${rng.alnum(10)}`;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
