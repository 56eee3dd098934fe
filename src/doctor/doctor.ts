import { ConfigError } from "../config/errors";
import { createAzureCredential } from "../config/identity";
import { createSecretReader } from "../config/keyVault";
import type { SecretReader } from "../config/keyVault";
import { loadConfig } from "../config/loadConfig";
import { createCredentialsProvider } from "../config/secrets";
import type { Config } from "../config/types";
import { feedById } from "../feeds";
import type { FeedSpec } from "../feeds/types";
import { MimecastClient } from "../mimecast/client";
import type { CredentialsProvider } from "../mimecast/credentials";
import { MimecastAuthError, MimecastTransientError } from "../mimecast/errors";
import { RateLimiter } from "../mimecast/rateLimiter";
import { LogsIngestionSink } from "../sentinel/logsIngestionSink";
import type { Sink } from "../sentinel/sink";
import type { Clock } from "../shared/clock";
import { systemClock } from "../shared/clock";
import { globalRedactor, silentLogger } from "../shared/logger";
import type { SecretRedactor } from "../shared/logger";
import { SecretError } from "../config/errors";
import { feedCheckName, probeFeed } from "./feedProbes";
import { checkKeyVault } from "./keyVaultCheck";
import { commonFailure } from "./mimecastFailures";
import { probeSinks } from "./sinkProbe";
import type { DoctorCheck, DoctorReport } from "./types";
import { exitCodeOf } from "./types";

/** Everything a check talks to, so tests can point them at the simulator, the fakes and a fixed clock. */
export interface DoctorDeps {
  clock?: Clock;
  /** Receives every secret read; the report is passed through it. Defaults to the process-wide one. */
  redactor?: SecretRedactor;
  /** Key Vault reads; default: a SecretClient for MIMECAST_KEY_VAULT_URI with the app's managed identity. */
  secretReader?: SecretReader;
  /** The Mimecast client; default: one built from the configuration with short timeouts and one retry. */
  client?: (config: Config, credentials: CredentialsProvider) => MimecastClient;
  /** The sink the probe row goes through, per DCR; default: a Logs Ingestion sink for the DCE and that DCR. */
  sink?: (config: Config, ruleId: string) => Sink;
}

/** Doctor answers in seconds, not after an ingestion's patient retries. */
const DOCTOR_TIMEOUT_MS = 20_000;
const DOCTOR_MAX_RETRIES = 1;

/**
 * Runs every check in order — configuration, Key Vault, Mimecast authentication, one probe per enabled
 * feed, the sink — and returns the report; the exit code is non-zero when anything enabled would fail.
 * Nothing here throws for a failed check: each becomes a row.
 */
export async function runDoctorChecks(
  env: Record<string, string | undefined>,
  deps: DoctorDeps = {},
): Promise<DoctorReport> {
  const clock = deps.clock ?? systemClock;
  const redactor = deps.redactor ?? globalRedactor;
  const now = clock.now();
  const checks = await collect(env, deps, clock, redactor, now);
  const safe = checks.map((c) => redactCheck(c, redactor));
  return { checkedAt: new Date(now).toISOString(), checks: safe, exitCode: exitCodeOf(safe) };
}

async function collect(
  env: Record<string, string | undefined>,
  deps: DoctorDeps,
  clock: Clock,
  redactor: SecretRedactor,
  now: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  let config: Config;
  try {
    config = loadConfig(env, now, { redactor });
  } catch (error) {
    if (!(error instanceof ConfigError)) return [{ name: "configuration", ...commonFailure(error) }];
    return configErrorChecks(error);
  }
  checks.push(configSummary(config));
  for (const warning of config.warnings)
    checks.push({ name: "configuration", status: "warn", detail: warning });

  let reader = deps.secretReader;
  if (config.keyVault) {
    reader ??= createSecretReader(config.keyVault, createAzureCredential(config));
    checks.push(...(await checkKeyVault(config, reader)));
  }

  const credentials = createCredentialsProvider(config, {
    clock,
    redactor,
    logger: silentLogger,
    ...(reader ? { secretClient: reader } : {}),
  });
  const client = deps.client ? deps.client(config, credentials) : defaultClient(config, credentials, clock);
  const feeds = config.ingestion.feeds
    .map((id) => feedById(id))
    .filter((f): f is FeedSpec => f !== undefined);
  checks.push(...(await checkMimecast(config, client, feeds, now)));

  const sinkFor = (ruleId: string): Sink =>
    deps.sink ? deps.sink(config, ruleId) : defaultSink(config, ruleId);
  checks.push(...(await probeSinks(config, sinkFor, now)));
  return checks;
}

function configErrorChecks(error: ConfigError): DoctorCheck[] {
  const count = error.issues.length === 1 ? "1 invalid setting" : `${error.issues.length} invalid settings`;
  return [
    {
      name: "configuration",
      status: "fail",
      detail: `${count}; nothing else was checked`,
      fix: "Correct the settings below (docs/settings.md describes each), or run `npm start -- doctor --simulator` to see the checks against the bundled simulator",
    },
    ...error.issues.map((issue): DoctorCheck => ({
      name: `setting ${issue.setting}`,
      status: "fail",
      detail: `expected ${issue.expected}; received ${issue.received}`,
    })),
    ...error.warnings.map((warning): DoctorCheck => ({
      name: "configuration",
      status: "warn",
      detail: warning,
    })),
  ];
}

function configSummary(config: Config): DoctorCheck {
  const m = config.mimecast;
  const auth = m.credentials.kind === "oauth2" ? "OAuth 2.0 client credentials" : "API 1.0 HMAC keys";
  return {
    name: "configuration",
    status: "ok",
    detail: `valid: API ${m.apiVersion} at ${m.baseUrl} (${auth}); ${config.ingestion.feeds.length} feed(s) enabled; sink ${config.sink.kind}${config.keyVault ? `; Key Vault ${config.keyVault.uri}` : ""}`,
  };
}

/**
 * API 2.0: a token first, then one probe per feed. API 1.0 has no token: the first feed's probe is the
 * signed call, and an authentication failure there stands for every feed.
 */
async function checkMimecast(
  config: Config,
  client: MimecastClient,
  feeds: readonly FeedSpec[],
  now: number,
): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const oauth = config.mimecast.credentials.kind === "oauth2";
  const authName = "mimecast auth";
  const probes = [...feeds];
  if (oauth) {
    try {
      await client.authenticate();
      checks.push({
        name: authName,
        status: "ok",
        detail: `API 2.0 token issued at ${config.mimecast.baseUrl}/oauth/token`,
      });
    } catch (error) {
      checks.push({ name: authName, ...authFailure(error, "oauth2") }, skippedFeeds(feeds));
      return checks;
    }
  } else {
    const first = probes.shift();
    if (first) {
      const result = await probeFeed(client, first, now);
      if (result.error !== undefined && stopsEverything(result.error)) {
        checks.push({ name: authName, ...authFailure(result.error, "hmac") }, skippedFeeds(feeds));
        return checks;
      }
      checks.push(
        {
          name: authName,
          status: "ok",
          detail: `API 1.0 keys accepted (signed request for ${feedCheckName(first)})`,
        },
        result.check,
      );
    }
  }
  for (const feed of probes) checks.push((await probeFeed(client, feed, now)).check);
  return checks;
}

/** Failures that say nothing about one feed: every other probe would fail the same way. */
function stopsEverything(error: unknown): boolean {
  return (
    error instanceof MimecastAuthError ||
    error instanceof SecretError ||
    error instanceof MimecastTransientError
  );
}

function authFailure(error: unknown, kind: "oauth2" | "hmac"): Omit<DoctorCheck, "name"> {
  const failure = commonFailure(error);
  if (!(error instanceof MimecastAuthError)) return failure;
  return {
    ...failure,
    fix:
      kind === "oauth2"
        ? "Check MIMECAST_CLIENT_ID and MIMECAST_CLIENT_SECRET (or the Key Vault secret) against the API 2.0 application in Mimecast (Administration → Services → API and Platform Integrations), and that MIMECAST_BASE_URL is the account's region"
        : "Check MIMECAST_APP_ID / MIMECAST_APP_KEY and MIMECAST_ACCESS_KEY / MIMECAST_SECRET_KEY (or their Key Vault secrets); on HTTP 418 create new access and secret keys",
  };
}

function skippedFeeds(feeds: readonly FeedSpec[]): DoctorCheck {
  return {
    name: "feeds",
    status: "fail",
    detail: `${feeds.length} enabled feed(s) not probed: Mimecast authentication failed`,
    fix: "Fix authentication first",
  };
}

function defaultClient(config: Config, credentials: CredentialsProvider, clock: Clock): MimecastClient {
  const budgets = { ...config.mimecast.rateLimitBudgets };
  return new MimecastClient({
    baseUrl: config.mimecast.baseUrl,
    credentials,
    clock,
    timeoutMs: Math.min(config.mimecast.httpTimeoutMs, DOCTOR_TIMEOUT_MS),
    backoff: { maxRetries: Math.min(config.mimecast.maxRetries, DOCTOR_MAX_RETRIES) },
    budgets,
    // Its own limiter: a doctor run must not inherit (or leave) pauses in the process-wide registry.
    rateLimiter: new RateLimiter(clock, budgets),
    fileHostAllowlist: [...config.mimecast.fileHostAllowlist],
    allowInsecureHttp: config.allowInsecureHttp,
  });
}

function defaultSink(config: Config, ruleId: string): Sink {
  const sink = config.sink;
  if (sink.kind === "local")
    return { upload: () => Promise.reject(new Error("the local sink is not probed")) };
  return new LogsIngestionSink({
    endpoint: sink.dceEndpoint,
    ruleId,
    credential: createAzureCredential(config),
    audience: sink.audience,
    concurrency: 1,
    chunkTimeoutMs: DOCTOR_TIMEOUT_MS,
    logger: silentLogger,
  });
}

function redactCheck(check: DoctorCheck, redactor: SecretRedactor): DoctorCheck {
  return {
    name: redactor.redact(check.name),
    status: check.status,
    detail: redactor.redact(check.detail),
    ...(check.fix !== undefined ? { fix: redactor.redact(check.fix) } : {}),
  };
}
