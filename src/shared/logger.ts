/**
 * Structured logger with secret redaction. Every log line passes through `redact`, which replaces any
 * registered secret value (client secrets, HMAC keys, bearer tokens) with "[REDACTED]" wherever it
 * appears, so a secret can never reach Application Insights, status output or a test snapshot.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const REDACTED = "[REDACTED]";
/** Values shorter than this are not treated as secrets (they would redact ordinary words). */
const MIN_SECRET_LENGTH = 6;

/**
 * The forms a secret takes on its way out: as is, JSON-escaped once and twice (a secret with `"` or `\`
 * inside a JSON log line, or inside a JSON string logged again), and URL-encoded (an echoed form body).
 */
export function secretForms(value: string): string[] {
  const json = (s: string): string => JSON.stringify(s).slice(1, -1);
  const forms = new Set([
    value,
    json(value),
    json(json(value)),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
  ]);
  for (const form of [...forms]) forms.add(json(form));
  // Longest first, so a short form never cuts a longer one in half before it is matched.
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** Process-wide registry of values that must never be printed. */
export class SecretRedactor {
  private readonly secrets = new Set<string>();
  private forms: string[] = [];
  /** Percent-encoding is case-insensitive (%2F = %2f): the encoded forms, matched in any case. */
  private readonly encodedPatterns: RegExp[] = [];

  register(value: string | undefined): void {
    if (!value || value.length < MIN_SECRET_LENGTH || this.secrets.has(value)) return;
    this.secrets.add(value);
    this.forms = [...new Set([...this.forms, ...secretForms(value)])].sort((a, b) => b.length - a.length);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) {
      this.encodedPatterns.push(new RegExp(encoded.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "gi"));
    }
  }

  redact(text: string): string {
    let out = text;
    for (const form of this.forms) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
    for (const pattern of this.encodedPatterns) out = out.replace(pattern, REDACTED);
    // Bearer tokens and MC HMAC signatures are secrets even when not registered.
    return out
      .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, `$1${REDACTED}`)
      .replace(/(MC\s+[^:\s]+:)[A-Za-z0-9+/=]{8,}/g, `$1${REDACTED}`);
  }
}

export const globalRedactor = new SecretRedactor();

export type LogSink = (level: LogLevel, line: string) => void;

const consoleSink: LogSink = (level, line) => {
  if (level === "error" || level === "warn") process.stderr.write(line + "\n");
  else process.stdout.write(line + "\n");
};

export interface LoggerOptions {
  level?: LogLevel;
  sink?: LogSink;
  redactor?: SecretRedactor;
  /** Fields added to every line (e.g. feed id). */
  base?: Record<string, unknown>;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = LEVEL_ORDER[options.level ?? "info"];
  const sink = options.sink ?? consoleSink;
  const redactor = options.redactor ?? globalRedactor;
  const base = options.base ?? {};
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const line = JSON.stringify({ level, msg: message, ...base, ...fields }, errorReplacer);
    sink(level, redactor.redact(line));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
  };
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  return value;
}

/** A logger that keeps lines in memory: for tests that grep output for secrets. */
export function createMemoryLogger(redactor: SecretRedactor = globalRedactor): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: "debug", redactor, sink: (_l, line) => lines.push(line) });
  return Object.assign(logger, { lines });
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
