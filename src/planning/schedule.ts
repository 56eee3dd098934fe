import { CronExpressionParser } from "cron-parser";

/**
 * The next tick of a six-field NCRONTAB schedule strictly after `now` (UTC, as Azure Functions timers
 * run by default). cron-parser is pure given a current date, so the supervisor may call this with
 * `context.df.currentUtcDateTime` and stay deterministic.
 */
export function nextTick(schedule: string, now: number): number {
  return CronExpressionParser.parse(schedule, { currentDate: new Date(now), tz: "UTC" })
    .next()
    .getTime();
}
