/**
 * Custom ajv formats used by the settings schema. Each returns *why* a value is invalid, so the
 * error message can say more than "must match format"; the schema asks only "is it undefined?".
 */
import { cronProblem } from "./cron";
import { parseDcrRoutes } from "./dcrRoutes";
import { parseFeedList, parseTableNames } from "./feedLists";
import { parseHostAllowlist } from "./fileHosts";
import { parseRateLimitBudgets } from "./rateLimitBudgets";
import { parseSiemPaths } from "./siemPaths";
import { parseStartDate } from "./startDate";
import { isBaseUrlAlias, urlSyntaxProblem } from "./urls";
import type { ParseResult } from "./parse";

export type FormatName =
  | "cron-schedule"
  | "base64"
  | "start-date"
  | "url"
  | "mimecast-base-url"
  | "feed-list"
  | "table-names"
  | "rate-limit-budgets"
  | "host-allowlist"
  | "dcr-routes"
  | "siem-paths";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function base64Problem(value: string): string | undefined {
  // Never quote the value: this format guards secrets.
  return BASE64.test(value) && value.length % 4 === 0 ? undefined : "a value that is not valid base64";
}

const problemOf =
  <T>(parse: (text: string) => ParseResult<T>) =>
  (text: string): string | undefined => {
    const result = parse(text);
    return result.ok ? undefined : result.problem;
  };

export const FORMAT_PROBLEMS: Readonly<Record<FormatName, (value: string) => string | undefined>> = {
  "cron-schedule": cronProblem,
  base64: base64Problem,
  "start-date": problemOf(parseStartDate),
  url: urlSyntaxProblem,
  "mimecast-base-url": (value) => (isBaseUrlAlias(value) ? undefined : urlSyntaxProblem(value)),
  "feed-list": problemOf(parseFeedList),
  "table-names": problemOf(parseTableNames),
  "rate-limit-budgets": problemOf(parseRateLimitBudgets),
  "host-allowlist": problemOf(parseHostAllowlist),
  "dcr-routes": problemOf(parseDcrRoutes),
  "siem-paths": problemOf(parseSiemPaths),
};
