import { test } from "node:test";
import * as assert from "node:assert/strict";
import { inspect } from "node:util";
import {
  createCredentialsProvider,
  createSecretReader,
  loadConfig,
  vaultSecretNames,
} from "../../src/config";
import type { Config } from "../../src/config";
import { FakeClock } from "../../src/shared/clock";
import { createMemoryLogger, SecretRedactor } from "../../src/shared/logger";
import type { Logger } from "../../src/shared/logger";
import { fakeCredential, startFakeVault } from "./helpers/fakeVault";
import { NOW, SECRETS, v1Env, v2Env } from "./helpers/env";

const VAULT_SECRETS = {
  clientSecret: "vault-client-secret-2b7e41",
  badSecretKey: "vault-bad-secret-key-!!-9c1d",
  accessKey: "vault-access-key-e5f600",
} as const;
const ALL_SECRETS = [...Object.values(SECRETS), ...Object.values(VAULT_SECRETS)];

/**
 * Everything config and secrets code can emit: log lines, error messages, config dumps. The logger
 * gets an empty redactor, so this proves nothing is *written*, not merely that redaction caught it.
 */
class Capture {
  readonly logger: Logger & { lines: string[] } = createMemoryLogger(new SecretRedactor());
  readonly texts: string[] = [];

  loadConfig(env: Record<string, string | undefined>): Config | undefined {
    try {
      const config = loadConfig(env, NOW, { redactor: new SecretRedactor() });
      for (const warning of config.warnings) this.logger.warn(warning);
      this.logger.info("Configuration loaded", { config });
      this.texts.push(JSON.stringify(config), inspect(config, { depth: 10 }));
      return config;
    } catch (error) {
      this.error("Configuration is invalid", error);
      return undefined;
    }
  }

  error(message: string, error: unknown): void {
    this.logger.error(message, { error });
    this.texts.push(
      String(error),
      inspect(error, { depth: 10 }),
      error instanceof Error ? (error.stack ?? "") : "",
    );
  }

  all(): string {
    return [...this.logger.lines, ...this.texts].join("\n");
  }
}

test("no secret value appears in logs, errors or status output while loading config and secrets", async () => {
  const capture = new Capture();

  // Valid configurations, from app settings.
  const v2 = capture.loadConfig(v2Env({ MIMECAST_BASEURL: "uk" }));
  const v1 = capture.loadConfig(v1Env({ MIMECAST_SINK: "local" }));
  // Invalid ones, with secrets present: other settings wrong, a secret itself wrong, a secret set twice,
  // a secret under a misspelt name, a secret pasted into a non-secret setting's URL.
  capture.loadConfig(v2Env({ MIMECAST_SCHEDULE: "* * * * * *", MIMECAST_FEEDS: "nope" }));
  capture.loadConfig(v1Env({ MIMECAST_SECRET_KEY: `${SECRETS.appKey}!` }));
  capture.loadConfig(
    v2Env({ MIMECAST_KEY_VAULT_URI: "https://kv.vault.azure.net", MIMECAST_CLIENT_SECRET_NAME: "s" }),
  );
  capture.loadConfig({ MIMECAST_CLIENT_ID: "c", MIMECAST_CLIENTSECRET: SECRETS.clientSecret });
  capture.loadConfig(v2Env({ MIMECAST_DCE_ENDPOINT: `https://x:${SECRETS.accessKey}@dce.example.com` }));

  for (const config of [v2, v1]) {
    const provider = createCredentialsProvider(config!, {
      clock: new FakeClock(NOW),
      logger: capture.logger,
    });
    await provider.get();
  }

  const vault = await startFakeVault({
    "mc-client-secret": VAULT_SECRETS.clientSecret,
    "mc-secret-key": VAULT_SECRETS.badSecretKey,
    "mc-access-key": VAULT_SECRETS.accessKey,
  });
  try {
    const fromVault = (env: Record<string, string | undefined>) =>
      capture.loadConfig({
        ...env,
        MIMECAST_KEY_VAULT_URI: vault.url,
        MIMECAST_ALLOW_INSECURE_HTTP: "true",
      })!;
    const v2Vault = fromVault(
      v2Env({ MIMECAST_CLIENT_SECRET: undefined, MIMECAST_CLIENT_SECRET_NAME: "mc-client-secret" }),
    );
    const v1Vault = fromVault(
      v1Env({
        MIMECAST_SECRET_KEY: undefined,
        MIMECAST_SECRET_KEY_NAME: "mc-secret-key",
        MIMECAST_ACCESS_KEY: undefined,
        MIMECAST_ACCESS_KEY_NAME: "mc-access-key",
      }),
    );
    const deps = { clock: new FakeClock(NOW), logger: capture.logger, redactor: new SecretRedactor() };

    // Success, then status output.
    const ok = createCredentialsProvider(v2Vault, {
      ...deps,
      secretClient: createSecretReader(v2Vault.keyVault!, fakeCredential()),
    });
    await ok.get();
    capture.logger.info("status", { secrets: vaultSecretNames(v2Vault), config: v2Vault });

    // A vault value that fails validation (not base64), and a denied read.
    const bad = createCredentialsProvider(v1Vault, {
      ...deps,
      secretClient: createSecretReader(v1Vault.keyVault!, fakeCredential()),
    });
    await bad.get().catch((error: unknown) => capture.error("Mimecast credentials unavailable", error));
    vault.forbidden.add("mc-client-secret");
    ok.invalidate();
    await ok.get().catch((error: unknown) => capture.error("Mimecast credentials unavailable", error));
  } finally {
    await vault.close();
  }

  const captured = capture.all();
  assert.ok(capture.logger.lines.length >= 10, "the scenarios should have logged");
  assert.match(captured, /Invalid configuration/);
  assert.match(captured, /not valid base64, which MIMECAST_SECRET_KEY_NAME requires/);
  assert.match(captured, /HTTP 403/);
  for (const secret of ALL_SECRETS) {
    assert.ok(!captured.includes(secret), `secret ${secret.slice(0, 6)}… leaked into captured output`);
  }
});
