/**
 * Budget periods on UTC calendar boundaries. The key names the period a
 * spend belongs to ("2026-11-28", "2026-W48", "2026-11", "total"), so a new
 * period starts from zero without any reset job.
 *
 * @example periodKey("weekly", Date.UTC(2027, 0, 1)) // "2026-W53" (ISO weeks start on Monday)
 */
export type BudgetPeriod = "daily" | "weekly" | "monthly" | "total";

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ["daily", "weekly", "monthly", "total"];

const DAY_MS = 86_400_000;

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

function startOfUtcDay(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** Monday 00:00 UTC of the ISO week containing `now`. */
function startOfIsoWeek(now: number): number {
  const day = startOfUtcDay(now);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY_MS;
}

function isoWeek(now: number): { year: number; week: number } {
  // The ISO year is the year of the week's Thursday.
  const thursday = startOfIsoWeek(now) + 3 * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return { year, week };
}

/** Period keys change at most once a UTC day: the current day's keys are kept (every budgeted request asks). */
let keysDay = Number.NaN;
const keysOfDay = new Map<BudgetPeriod, string>();

export function periodKey(period: BudgetPeriod, now: number): string {
  const day = startOfUtcDay(now);
  if (day !== keysDay) {
    keysDay = day;
    keysOfDay.clear();
  }
  let key = keysOfDay.get(period);
  if (key === undefined) keysOfDay.set(period, (key = formatPeriodKey(period, now)));
  return key;
}

function formatPeriodKey(period: BudgetPeriod, now: number): string {
  const date = new Date(now);
  switch (period) {
    case "daily":
      return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
    case "weekly": {
      const { year, week } = isoWeek(now);
      return `${pad(year, 4)}-W${pad(week)}`;
    }
    case "monthly":
      return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}`;
    case "total":
      return "total";
  }
}

/** Epoch ms at which the period containing `now` began; 0 for "total". */
export function periodStart(period: BudgetPeriod, now: number): number {
  switch (period) {
    case "daily":
      return startOfUtcDay(now);
    case "weekly":
      return startOfIsoWeek(now);
    case "monthly": {
      const date = new Date(now);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
    }
    case "total":
      return 0;
  }
}

/** Epoch ms of the next boundary (exclusive end of the period); Infinity for "total". */
export function periodEnd(period: BudgetPeriod, now: number): number {
  switch (period) {
    case "daily":
      return startOfUtcDay(now) + DAY_MS;
    case "weekly":
      return startOfIsoWeek(now) + 7 * DAY_MS;
    case "monthly": {
      const date = new Date(now);
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
    case "total":
      return Number.POSITIVE_INFINITY;
  }
}

/**
 * The end of the period a key names, for expiring stored state. "total" and
 * keys not made by `periodKey` (custom periods) never end: Infinity.
 */
export function periodKeyEnd(key: string): number {
  let end = keyEnds.get(key);
  if (end === undefined) {
    if (keyEnds.size >= 256) keyEnds.clear();
    keyEnds.set(key, (end = parseKeyEnd(key)));
  }
  return end;
}

/** Parsed ends by key: the same few keys come with every budgeted request. */
const keyEnds = new Map<string, number>();

function parseKeyEnd(key: string): number {
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (match) {
    const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    return formatPeriodKey("daily", start) === key ? start + DAY_MS : Number.POSITIVE_INFINITY;
  }
  match = /^(\d{4})-W(\d{2})$/.exec(key);
  if (match) {
    // Week 1 is the week holding January 4th.
    const start = startOfIsoWeek(Date.UTC(Number(match[1]), 0, 4)) + (Number(match[2]) - 1) * 7 * DAY_MS;
    return formatPeriodKey("weekly", start) === key ? start + 7 * DAY_MS : Number.POSITIVE_INFINITY;
  }
  match = /^(\d{4})-(\d{2})$/.exec(key);
  if (match) {
    const start = Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
    return formatPeriodKey("monthly", start) === key ? Date.UTC(Number(match[1]), Number(match[2]), 1) : Number.POSITIVE_INFINITY;
  }
  return Number.POSITIVE_INFINITY;
}
