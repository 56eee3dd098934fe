/** One problem with one setting. `received` never holds a secret's value. */
export interface ConfigIssue {
  setting: string;
  expected: string;
  received: string;
}

/** Thrown by `loadConfig`: lists every problem at once, so one deployment fixes them all. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  /** Findings that alone would be warnings, e.g. a misspelt name that explains a missing setting. */
  readonly warnings: readonly string[];

  constructor(issues: readonly ConfigIssue[], warnings: readonly string[] = []) {
    super(formatIssues(issues, warnings));
    this.name = "ConfigError";
    this.issues = issues;
    this.warnings = warnings;
  }
}

function formatIssues(issues: readonly ConfigIssue[], warnings: readonly string[]): string {
  const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
  const lines = issues.map((i) => `  - ${i.setting}: expected ${i.expected}; received ${i.received}`);
  const notes = warnings.length > 0 ? ["Also:", ...warnings.map((w) => `  - ${w}`)] : [];
  return [`Invalid configuration (${count}); see docs/settings.md:`, ...lines, ...notes].join("\n");
}

/** Why a secret could not be read; callers branch on this, not on message text. */
export type SecretFailureReason =
  | "forbidden"
  | "not-found"
  | "unauthorized"
  | "identity-unavailable"
  | "unreachable"
  | "empty-value"
  | "invalid-value"
  | "unexpected";

export interface SecretErrorDetails {
  reason: SecretFailureReason;
  vaultUri: string;
  secretName: string;
  /** The setting that names the secret, e.g. MIMECAST_CLIENT_SECRET_NAME. */
  setting: string;
  status?: number;
}

/** A Key Vault secret could not be used. Names the vault and the secret, never its value. */
export class SecretError extends Error {
  readonly reason: SecretFailureReason;
  readonly vaultUri: string;
  readonly secretName: string;
  readonly setting: string;
  readonly status: number | undefined;

  constructor(details: SecretErrorDetails, explanation: string, options?: { cause?: unknown }) {
    super(
      `Cannot use secret "${details.secretName}" from Key Vault ${details.vaultUri}: ${explanation}`,
      options,
    );
    this.name = "SecretError";
    this.reason = details.reason;
    this.vaultUri = details.vaultUri;
    this.secretName = details.secretName;
    this.setting = details.setting;
    this.status = details.status;
  }
}
