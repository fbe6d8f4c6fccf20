import { describe, expect, it } from "vitest";
import { BUDGET_PERIODS, periodEnd, periodKey, periodKeyEnd, periodStart } from "./budget-period.js";

const at = (iso: string): number => Date.parse(iso);

describe("periodKey", () => {
  it("switches day exactly at 00:00 UTC", () => {
    expect(periodKey("daily", at("2026-11-28T23:59:59.999Z"))).toBe("2026-11-28");
    expect(periodKey("daily", at("2026-11-29T00:00:00.000Z"))).toBe("2026-11-29");
    expect(periodKey("monthly", at("2026-11-30T23:59:59.999Z"))).toBe("2026-11");
    expect(periodKey("monthly", at("2026-12-01T00:00:00.000Z"))).toBe("2026-12");
    expect(periodKey("total", at("2026-12-01T00:00:00.000Z"))).toBe("total");
  });

  it("uses UTC, not the local time zone", () => {
    // 23:30 in New York on Nov 28 is already Nov 29 in UTC.
    expect(periodKey("daily", at("2026-11-28T23:30:00-05:00"))).toBe("2026-11-29");
  });

  it("numbers ISO weeks from Monday, with the ISO year of the week's Thursday", () => {
    expect(periodKey("weekly", at("2026-11-28T12:00:00Z"))).toBe("2026-W48"); // Saturday
    expect(periodKey("weekly", at("2026-11-29T23:59:59.999Z"))).toBe("2026-W48"); // Sunday
    expect(periodKey("weekly", at("2026-11-30T00:00:00.000Z"))).toBe("2026-W49"); // Monday
    // 2026 starts on a Thursday, so it has 53 weeks and Jan 1 2027 still belongs to 2026-W53.
    expect(periodKey("weekly", at("2026-01-01T00:00:00Z"))).toBe("2026-W01");
    expect(periodKey("weekly", at("2026-12-31T23:59:59.999Z"))).toBe("2026-W53");
    expect(periodKey("weekly", at("2027-01-01T00:00:00Z"))).toBe("2026-W53");
    expect(periodKey("weekly", at("2027-01-03T23:59:59.999Z"))).toBe("2026-W53");
    expect(periodKey("weekly", at("2027-01-04T00:00:00Z"))).toBe("2027-W01");
    // Dec 30 2024 is a Monday in week 1 of ISO year 2025.
    expect(periodKey("weekly", at("2024-12-29T23:59:59.999Z"))).toBe("2024-W52");
    expect(periodKey("weekly", at("2024-12-30T00:00:00Z"))).toBe("2025-W01");
    // Jan 1 2021 (a Friday) is in week 53 of 2020.
    expect(periodKey("weekly", at("2021-01-01T00:00:00Z"))).toBe("2020-W53");
  });

  it("handles month ends, leap days and year ends", () => {
    expect(periodKey("daily", at("2028-02-29T12:00:00Z"))).toBe("2028-02-29");
    expect(periodKey("monthly", at("2028-02-29T23:59:59.999Z"))).toBe("2028-02");
    expect(periodKey("monthly", at("2028-03-01T00:00:00Z"))).toBe("2028-03");
    expect(periodKey("monthly", at("2026-12-31T23:59:59.999Z"))).toBe("2026-12");
    expect(periodKey("monthly", at("2027-01-01T00:00:00Z"))).toBe("2027-01");
  });
});

describe("periodKey and periodKeyEnd caches", () => {
  it("give the same answers whatever order days and periods are asked in", () => {
    const times = Array.from({ length: 400 }, (_, i) => Date.UTC(2024, 0, 1) + ((i * 7_919_993_311) % (3 * 365 * 86_400_000)));
    const first = new Map<string, string>();
    for (const round of [0, 1]) {
      for (const t of round === 0 ? times : [...times].reverse()) {
        for (const period of BUDGET_PERIODS) {
          const key = periodKey(period, t);
          const seen = first.get(`${period}@${t}`);
          if (seen === undefined) first.set(`${period}@${t}`, key);
          else expect(key).toBe(seen);
          // The key's end is the period's end: the key names the period holding t.
          expect(periodKeyEnd(key)).toBe(periodEnd(period, t));
        }
      }
    }
  });
});

describe("periodStart / periodEnd", () => {
  it("gives the surrounding UTC boundaries", () => {
    const now = at("2026-11-28T15:04:05.006Z");
    expect(periodStart("daily", now)).toBe(at("2026-11-28T00:00:00Z"));
    expect(periodEnd("daily", now)).toBe(at("2026-11-29T00:00:00Z"));
    expect(periodStart("weekly", now)).toBe(at("2026-11-23T00:00:00Z"));
    expect(periodEnd("weekly", now)).toBe(at("2026-11-30T00:00:00Z"));
    expect(periodStart("monthly", now)).toBe(at("2026-11-01T00:00:00Z"));
    expect(periodEnd("monthly", now)).toBe(at("2026-12-01T00:00:00Z"));
    expect(periodStart("total", now)).toBe(0);
    expect(periodEnd("total", now)).toBe(Number.POSITIVE_INFINITY);
  });

  it("rolls over months and years", () => {
    expect(periodEnd("monthly", at("2026-12-31T23:59:59.999Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(periodEnd("monthly", at("2027-02-15T00:00:00Z"))).toBe(at("2027-03-01T00:00:00Z"));
    expect(periodEnd("daily", at("2026-12-31T23:59:59.999Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(periodEnd("weekly", at("2027-01-01T00:00:00Z"))).toBe(at("2027-01-04T00:00:00Z"));
  });

  it("a boundary instant belongs to the new period", () => {
    for (const period of BUDGET_PERIODS) {
      const now = at("2026-11-28T09:00:00Z");
      const end = periodEnd(period, now);
      if (!Number.isFinite(end)) continue;
      expect(periodKey(period, end - 1)).toBe(periodKey(period, now));
      expect(periodKey(period, end)).not.toBe(periodKey(period, now));
      expect(periodStart(period, end)).toBe(end);
    }
  });
});

describe("periodKeyEnd", () => {
  it("recovers the end from any key periodKey makes", () => {
    const samples = ["2026-11-28T09:00:00Z", "2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z", "2028-02-29T00:00:00Z", "2024-12-30T00:00:00Z"];
    for (const iso of samples) {
      for (const period of BUDGET_PERIODS) {
        expect(periodKeyEnd(periodKey(period, at(iso))), `${period} ${iso}`).toBe(periodEnd(period, at(iso)));
      }
    }
  });

  it("treats total, custom and impossible keys as never ending", () => {
    expect(periodKeyEnd("total")).toBe(Number.POSITIVE_INFINITY);
    expect(periodKeyEnd("campaign-q3")).toBe(Number.POSITIVE_INFINITY);
    expect(periodKeyEnd("2026-02-30")).toBe(Number.POSITIVE_INFINITY);
    expect(periodKeyEnd("2025-W53")).toBe(Number.POSITIVE_INFINITY); // 2025 has 52 ISO weeks
    expect(periodKeyEnd("2026-13")).toBe(Number.POSITIVE_INFINITY);
  });
});
