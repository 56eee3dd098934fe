/**
 * Hostile answers to the Mimecast client (issue 11): rate-limit headers that would loop or freeze, token
 * endpoints that echo secrets or break their JSON, and pages too large to hold. Every call is wrapped in
 * a real-time bound, so a regression shows as a failed test, never a stalled suite.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { MimecastClientOptions } from "../../src/mimecast/client";
import { DEFAULT_MAX_RESPONSE_BYTES, MimecastClient } from "../../src/mimecast/client";
import { staticCredentials } from "../../src/mimecast/credentials";
import { ENDPOINTS } from "../../src/mimecast/endpoints";
import { MimecastError, MimecastPermanentError, MimecastRateLimitedError } from "../../src/mimecast/errors";
import { resetRateLimiterRegistry } from "../../src/mimecast/rateLimiter";
import { FakeClock } from "../../src/shared/clock";
import { createMemoryLogger, SecretRedactor } from "../../src/shared/logger";
import type { Simulator } from "../../simulator/index";
import { startSimulator } from "../../simulator/index";
import { formatMimecastTime } from "../../src/feeds/time";
import { simulatorClient } from "../helpers/simClient";
import { localServer, within } from "./hostileHelpers";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const HOUR = 3_600_000;
let sim: Simulator;
let clock: FakeClock;

before(async () => {
  clock = new FakeClock(NOW);
  sim = await startSimulator({ seed: 11, clock, eventsPerDay: { dlp: 50 }, rateLimit: false });
});
after(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.clear();
  resetRateLimiterRegistry();
});

function client(overrides: Partial<MimecastClientOptions> = {}): MimecastClient {
  return simulatorClient(sim, clock, { timeoutMs: 2_000, ...overrides });
}

const dlpCall = (c: MimecastClient): Promise<unknown> =>
  c.postJson(ENDPOINTS.dlpLogs.path, ENDPOINTS.dlpLogs.family, {
    meta: { pagination: { pageSize: 5 } },
    data: [{ from: formatMimecastTime(NOW - HOUR), to: formatMimecastTime(NOW) }],
  });

const dlpRequests = (): number => sim.requests.filter((r) => r.path === ENDPOINTS.dlpLogs.path).length;

describe("hostile rate-limit headers", () => {
  const cases: Array<{ name: string; headers: Record<string, string> }> = [
    { name: "X-RateLimit-Reset: 0", headers: { "X-RateLimit-Reset": "0" } },
    { name: "Retry-After: 0", headers: { "Retry-After": "0" } },
    { name: "X-RateLimit-Reset: 1e15", headers: { "X-RateLimit-Reset": "1e15" } },
    { name: "X-RateLimit-Reset: 1000000000000000", headers: { "X-RateLimit-Reset": "1000000000000000" } },
    { name: "Retry-After in the year 9999", headers: { "Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT" } },
    { name: "Retry-After: 1e17", headers: { "Retry-After": "1e17" } },
    { name: "X-RateLimit-Reset: -5", headers: { "X-RateLimit-Reset": "-5" } },
    { name: "X-RateLimit-Reset: soon", headers: { "X-RateLimit-Reset": "soon" } },
  ];
  for (const { name, headers } of cases) {
    it(`a 429 that never stops with ${name} ends in a bounded rate-limit value, not a loop or a RangeError`, async () => {
      sim.faults.inject({
        kind: "http-status",
        status: 429,
        headers,
        times: Infinity,
        match: { family: "dlp" },
      });
      const before = dlpRequests();
      const c = client();
      const started = clock.now();
      const error = await within(
        5_000,
        dlpCall(c).then(
          () => undefined,
          (e: unknown) => e,
        ),
        name,
      );
      assert.ok(error instanceof MimecastRateLimitedError, `got ${String(error)}`);
      const requests = dlpRequests() - before;
      assert.ok(requests >= 1 && requests <= 5, `${requests} requests sent for one call`);
      const pause = error.retryAt - clock.now();
      assert.ok(pause >= 1_000 && pause <= HOUR, `retryAt ${pause} ms away`);
      assert.ok(error.retryAt - started <= HOUR + 60_000, "no absurd time leaves the client");
      assert.doesNotThrow(() => new Date(error.retryAt).toISOString());
      assert.match(error.message, /retry at \d{4}-/);
      const until = await c.rateLimitedUntil(ENDPOINTS.dlpLogs.family);
      assert.ok(until !== undefined && until - clock.now() <= HOUR, "the limiter holds a bounded pause");
    });
  }
});

describe("secrets in hostile token answers", () => {
  const SECRET = 'pa"ss\\wo/rd+&=? x-SECRET-42';
  const TOKEN = "tok-THE-ACCESS-TOKEN-0123456789";

  const forms = (value: string): string[] => [
    value,
    JSON.stringify(value).slice(1, -1),
    encodeURIComponent(value),
    encodeURIComponent(value).toLowerCase(),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];

  function assertNoSecret(where: string, text: string): void {
    for (const secret of [SECRET, TOKEN]) {
      for (const form of forms(secret)) {
        assert.ok(!text.includes(form), `${where} holds ${JSON.stringify(form)}: ${text}`);
      }
    }
  }

  async function callAgainst(
    answer: (form: string) => { status: number; body: string },
  ): Promise<{ error: unknown; lines: string[] }> {
    const redactor = new SecretRedactor();
    const logger = createMemoryLogger(redactor);
    const server = await localServer((req, body, res) => {
      if (req.url === "/oauth/token") {
        const { status, body: text } = answer(body.toString("utf8"));
        res.writeHead(status, { "Content-Type": "application/json" }).end(text);
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"meta":{"status":200},"data":[]}');
    });
    try {
      const c = new MimecastClient({
        baseUrl: server.url,
        credentials: staticCredentials({ kind: "oauth2", clientId: "client-1", clientSecret: SECRET }),
        clock: new FakeClock(NOW),
        allowInsecureHttp: true,
        timeoutMs: 2_000,
        backoff: { maxRetries: 1 },
        random: () => 0.5,
        redactor,
        logger,
      });
      const error = await within(
        5_000,
        dlpCall(c).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      if (error instanceof Error) logger.error("ingestion failed", { error, message: error.message });
      return { error, lines: logger.lines };
    } finally {
      await server.close();
    }
  }

  const check = (result: { error: unknown; lines: string[] }): void => {
    assert.ok(result.error instanceof MimecastError, `a typed error, got ${String(result.error)}`);
    assertNoSecret("error message", result.error.message);
    assertNoSecret("error JSON", JSON.stringify({ ...result.error, message: result.error.message }));
    for (const line of result.lines) assertNoSecret("log line", line);
  };

  it("a token endpoint that echoes the form (URL-encoded secret) in its refusal leaks nothing", async () => {
    check(
      await callAgainst((form) => ({
        status: 400,
        body: JSON.stringify({ error: "invalid_client", error_description: `rejected ${form}` }),
      })),
    );
  });

  it("a token endpoint that echoes the raw secret (with quotes and backslashes) leaks nothing", async () => {
    check(
      await callAgainst(() => ({
        status: 401,
        body: JSON.stringify({ fail: [{ code: "bad_secret", message: `secret was ${SECRET}` }] }),
      })),
    );
  });

  it("broken token JSON holding the token is not quoted in the error", async () => {
    check(await callAgainst(() => ({ status: 200, body: `{"access_token":"${TOKEN}","expires_in":18` })));
  });

  it("a 200 without access_token that echoes the secret leaks nothing", async () => {
    check(
      await callAgainst(() => ({
        status: 200,
        body: JSON.stringify({ fail: [{ code: "x", message: SECRET }], client_secret: SECRET }),
      })),
    );
  });
});

describe("hostile page sizes", () => {
  it("the default response cap is far below the old 512 MB", () => {
    assert.ok(DEFAULT_MAX_RESPONSE_BYTES <= 64 * 1024 * 1024);
  });

  it("a page over the cap is a permanent error naming the endpoint and the size, read no further", async () => {
    const huge = Buffer.alloc(4 * 1024 * 1024, 0x20); // JSON whitespace: only its size is hostile
    let written = 0;
    const server = await localServer((req, _body, res) => {
      if (req.url === "/oauth/token") {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ access_token: "tok-abcdefghij", expires_in: 1800 }));
        return;
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      const push = (): void => {
        while (written < huge.length) {
          const chunk = huge.subarray(written, written + 65_536);
          written += chunk.length;
          if (!res.write(chunk)) {
            res.once("drain", push);
            return;
          }
        }
        res.end("{}");
      };
      res.on("error", () => undefined);
      push();
    });
    try {
      const c = new MimecastClient({
        baseUrl: server.url,
        credentials: staticCredentials({ kind: "oauth2", clientId: "c", clientSecret: "secret-123" }),
        clock: new FakeClock(NOW),
        allowInsecureHttp: true,
        timeoutMs: 5_000,
        maxResponseBytes: 256 * 1024,
      });
      const error = await within(
        10_000,
        dlpCall(c).then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
      assert.ok(error instanceof MimecastPermanentError, `got ${String(error)}`);
      assert.match(error.message, new RegExp(ENDPOINTS.dlpLogs.path.replace(/\//g, "\\/")));
      assert.match(error.message, /262144 bytes/);
      assert.equal(
        server.requests.filter((r) => r.url === ENDPOINTS.dlpLogs.path).length,
        1,
        "a permanent error is not retried",
      );
    } finally {
      await server.close();
    }
  });
});
