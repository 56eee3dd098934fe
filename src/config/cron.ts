/**
 * A small validator for the six-field NCRONTAB expressions Azure Functions timer triggers use:
 * `second minute hour day month day-of-week`. It checks syntax and ranges, and that the schedule
 * fires at most once a minute (the seconds field must be one number): a faster cadence would start
 * overlapping runs and burn the Mimecast rate limit for nothing.
 */
interface CronField {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const FIELDS: readonly CronField[] = [
  { name: "second", min: 0, max: 59 },
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day", min: 1, max: 31 },
  // Month names map to 1..12, weekday names to 0..6.
  { name: "month", min: 1, max: 12, names: ["", ...MONTHS] },
  { name: "day-of-week", min: 0, max: 6, names: WEEKDAYS },
];

const ITEM = /^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:\/(\d+))?$/i;

/** Returns why `expression` is not an acceptable schedule, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    return `it has ${parts.length} field(s); Azure Functions schedules have 6: second minute hour day month day-of-week`;
  }
  for (const [index, field] of FIELDS.entries()) {
    const problem = fieldProblem(parts[index] ?? "", field);
    if (problem) return problem;
  }
  const seconds = parts[0] ?? "";
  if (!/^\d+$/.test(seconds)) {
    return `the seconds field "${seconds}" fires more than once a minute; use a single number such as 0`;
  }
  return undefined;
}

function fieldProblem(text: string, field: CronField): string | undefined {
  for (const item of text.split(",")) {
    const match = ITEM.exec(item);
    if (!match) return `the ${field.name} field "${text}" is not valid cron syntax`;
    const [, range = "", step] = match;
    if (step !== undefined && Number(step) < 1) return `the ${field.name} field "${text}" has a zero step`;
    if (range === "*") continue;
    for (const bound of range.split("-")) {
      const value = fieldValue(bound, field);
      if (value === undefined || value < field.min || value > field.max) {
        return `the ${field.name} field "${text}" is outside ${field.min}-${field.max}`;
      }
    }
  }
  return undefined;
}

function fieldValue(token: string, field: CronField): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const index = field.names?.indexOf(token.toLowerCase()) ?? -1;
  return index >= 0 ? index : undefined;
}
