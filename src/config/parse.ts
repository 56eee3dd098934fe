/** Result of parsing one structured setting: the value, or a sentence saying what is wrong with it. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

export const parsed = <T>(value: T): ParseResult<T> => ({ ok: true, value });
export const failed = <T>(problem: string): ParseResult<T> => ({ ok: false, problem });

/** Splits "a, b,c" into trimmed entries; an empty entry ("a,,b") is almost always a typo. */
export function splitList(text: string): ParseResult<string[]> {
  const entries = text.split(",").map((entry) => entry.trim());
  return entries.some((entry) => entry === "") ? failed("it has an empty entry") : parsed(entries);
}

/** Splits "key=value, key2=value2" into pairs, rejecting malformed and repeated keys. */
export function splitPairs(text: string): ParseResult<Array<[string, string]>> {
  const list = splitList(text);
  if (!list.ok) return list;
  const pairs: Array<[string, string]> = [];
  for (const entry of list.value) {
    const eq = entry.indexOf("=");
    if (eq <= 0 || eq === entry.length - 1) return failed(`"${entry}" is not key=value`);
    const key = entry.slice(0, eq).trim();
    if (pairs.some(([seen]) => seen === key)) return failed(`"${key}" appears twice`);
    pairs.push([key, entry.slice(eq + 1).trim()]);
  }
  return parsed(pairs);
}
