import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validateRow } from "../../src/sentinel/rowValidation";
import type { StreamSchema } from "../../src/sentinel/streams";
import { TEST_STREAM, T0, makeRows } from "./helpers";

const valid = (): Record<string, unknown> => ({ ...makeRows(1)[0] });

describe("validateRow", () => {
  it("accepts a row with every column type, Date objects and nulls", () => {
    assert.deepEqual(validateRow(valid(), TEST_STREAM), []);
    assert.deepEqual(
      validateRow(
        { ...valid(), TimeGenerated: new Date(T0), Subject: null, Score: undefined, Details: "text" },
        TEST_STREAM,
      ),
      [],
    );
    assert.deepEqual(
      validateRow({ ...valid(), Details: [1, { a: null }], Size: -5, Score: 3 }, TEST_STREAM),
      [],
    );
  });

  it("names a field the stream does not declare", () => {
    assert.deepEqual(validateRow({ ...valid(), Sender: "a@example.com" }, TEST_STREAM), [
      'field "Sender" is not declared in stream Custom-MimecastTest_CL',
    ]);
  });

  const mismatches: [field: string, value: unknown, expected: RegExp][] = [
    ["Subject", 12, /"Subject" must be string \(a string\), got a number/],
    ["Seq", "12", /"Seq" must be long .* got a string/],
    ["Seq", 1.5, /"Seq" must be long .* got a number with a fraction/],
    ["Seq", 2 ** 60, /"Seq" must be long .* got an integer out of range/],
    ["Size", 2 ** 31, /"Size" must be int \(a 32-bit integer\), got an integer out of range/],
    ["Score", Number.NaN, /"Score" must be real \(a finite number\), got NaN/],
    ["Score", "0.5", /"Score" must be real .* got a string/],
    ["Malicious", "true", /"Malicious" must be boolean \(true or false\), got a string/],
    ["TimeGenerated", "yesterday", /"TimeGenerated" must be datetime \(an ISO 8601 date-time\)/],
    ["TimeGenerated", "2026-02-30T25:00:00Z", /"TimeGenerated" must be datetime/],
    ["TimeGenerated", T0, /"TimeGenerated" must be datetime .* got a number/],
    ["TimeGenerated", new Date(Number.NaN), /got an invalid Date/],
    ["Details", Number.POSITIVE_INFINITY, /"Details" must be dynamic \(any JSON value\), got Infinity/],
    ["Details", () => 1, /"Details" must be dynamic .* got a function/],
  ];
  for (const [field, value, expected] of mismatches) {
    it(`rejects ${field} = ${typeof value === "function" ? "a function" : String(value)}, naming field and type`, () => {
      const problems = validateRow({ ...valid(), [field]: value }, TEST_STREAM);
      assert.equal(problems.length, 1, problems.join("; "));
      assert.match(problems[0]!, expected);
    });
  }

  it("allows TimeGenerated on a stream that does not declare it, but only as a time", () => {
    const stream: StreamSchema = {
      streamName: "Custom-NoTime_CL",
      columns: [{ name: "Text", type: "string" }],
    };
    assert.deepEqual(validateRow({ Text: "t", TimeGenerated: "2026-01-15T12:00:00.123Z" }, stream), []);
    assert.deepEqual(validateRow({ Text: "t", TimeGenerated: "2026-01-15" }, stream), []);
    assert.match(
      validateRow({ Text: "t", TimeGenerated: true }, stream)[0]!,
      /"TimeGenerated" must be datetime/,
    );
  });

  it("never quotes the offending value (rows may hold personal data)", () => {
    const problems = validateRow(
      { ...valid(), Size: "alice@example.com", Extra: "alice@example.com" },
      TEST_STREAM,
    );
    assert.equal(problems.length, 2);
    assert.ok(problems.every((p) => !p.includes("alice")));
  });

  it("rejects a record that is not an object", () => {
    assert.deepEqual(validateRow([1, 2], TEST_STREAM), ["record is an array, not an object"]);
    assert.deepEqual(validateRow(null, TEST_STREAM), ["record is null, not an object"]);
  });
});
