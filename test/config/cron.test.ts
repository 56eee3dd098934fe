import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { cronProblem } from "../../src/config/cron";

describe("schedule validation", () => {
  for (const ok of [
    "0 */5 * * * *",
    "0 0 */12 * * *",
    "30 15 9 * * Mon-Fri",
    "0 0 0 1 jan,JUL *",
    "0 0-30/10 * * * 0",
  ]) {
    test(`accepts ${JSON.stringify(ok)}`, () => assert.equal(cronProblem(ok), undefined));
  }

  const rejected: Array<[string, RegExp]> = [
    ["* * * * * *", /seconds field "\*" fires more than once a minute/],
    ["*/10 * * * * *", /seconds field/],
    ["0,30 * * * * *", /seconds field/],
    ["0-10 * * * * *", /seconds field/],
    ["*/5 * * * *", /5 field\(s\); Azure Functions schedules have 6/],
    ["0 0 */5 * * * *", /7 field\(s\)/],
    ["0 60 * * * *", /minute field "60" is outside 0-59/],
    ["0 0 24 * * *", /hour field/],
    ["0 0 0 0 * *", /day field "0" is outside 1-31/],
    ["0 0 0 * 13 *", /month field/],
    ["0 0 0 * * 7", /day-of-week field "7" is outside 0-6/],
    ["0 */0 * * * *", /zero step/],
    ["0 ? * * * *", /not valid cron syntax/],
  ];
  for (const [expression, problem] of rejected) {
    test(`rejects ${JSON.stringify(expression)}`, () => assert.match(cronProblem(expression) ?? "", problem));
  }
});
