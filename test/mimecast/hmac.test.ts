import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatMcDate, signV1, v1AuthHeaders } from "../../src/mimecast/hmac";

/*
 * Known-answer vector computed independently of this code, with openssl:
 *   SECRET_B64=$(printf 'mimecast-sentinel-test-secret-key-0123456789' | base64 -w0)
 *   KEYHEX=$(printf '%s' "$SECRET_B64" | base64 -d | xxd -p | tr -d '\n')
 *   printf '%s' 'Tue, 24 Nov 2015 12:50:11 UTC:8f3c8c2e-7b0a-4f5e-9d6a-2b1c0e9f4a11:/api/audit/get-siem-logs:0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6' \
 *     | openssl dgst -sha1 -mac HMAC -macopt hexkey:$KEYHEX -binary | base64
 *   → QS2xd5KHt5eb4rFezTGOixOVOAI=
 */
const VECTOR = {
  secretKeyBase64: "bWltZWNhc3Qtc2VudGluZWwtdGVzdC1zZWNyZXQta2V5LTAxMjM0NTY3ODk=",
  date: "Tue, 24 Nov 2015 12:50:11 UTC",
  requestId: "8f3c8c2e-7b0a-4f5e-9d6a-2b1c0e9f4a11",
  uri: "/api/audit/get-siem-logs",
  appKey: "0d1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6",
  signature: "QS2xd5KHt5eb4rFezTGOixOVOAI=",
};

describe("API 1.0 HMAC signing", () => {
  it("matches the openssl-computed known answer", () => {
    assert.equal(
      signV1(VECTOR.secretKeyBase64, VECTOR.date, VECTOR.requestId, VECTOR.uri, VECTOR.appKey),
      VECTOR.signature,
    );
  });

  it("formats x-mc-date like Mimecast's example (RFC 1123 with UTC)", () => {
    assert.equal(formatMcDate(Date.UTC(2015, 10, 24, 12, 50, 11)), VECTOR.date);
    assert.equal(formatMcDate(Date.UTC(2026, 0, 5, 3, 4, 5)), "Mon, 05 Jan 2026 03:04:05 UTC");
  });

  it("builds the four headers with Authorization MC accessKey:signature", () => {
    const headers = v1AuthHeaders(
      {
        kind: "hmac",
        appId: "app-1",
        appKey: VECTOR.appKey,
        accessKey: "access-1",
        secretKey: VECTOR.secretKeyBase64,
      },
      VECTOR.uri,
      Date.UTC(2015, 10, 24, 12, 50, 11),
      VECTOR.requestId,
    );
    assert.deepEqual(headers, {
      Authorization: `MC access-1:${VECTOR.signature}`,
      "x-mc-date": VECTOR.date,
      "x-mc-req-id": VECTOR.requestId,
      "x-mc-app-id": "app-1",
    });
  });

  it("signs over the path only: a different uri changes the signature", () => {
    const other = signV1(
      VECTOR.secretKeyBase64,
      VECTOR.date,
      VECTOR.requestId,
      "/api/audit/get-audit-events",
      VECTOR.appKey,
    );
    assert.notEqual(other, VECTOR.signature);
  });
});
