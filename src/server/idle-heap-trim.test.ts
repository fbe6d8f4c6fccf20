import { getHeapSpaceStatistics } from "node:v8";
import { describe, expect, it } from "vitest";
import { collectAllGarbage, IdleHeapTrimmer, type TrimProbe } from "./idle-heap-trim.js";

const MB = 1_048_576;

/** A probe the test drives: requests and RSS are set by hand; a collection drops RSS to `floor`. */
function fakeProbe(floor = 70 * MB) {
  const state = { count: 0, open: 0, resident: 150 * MB, collections: 0 };
  const probe: TrimProbe & typeof state = Object.assign(state, {
    requests: () => state.count,
    inFlight: () => state.open,
    rss: () => state.resident,
    collect: async () => {
      state.collections++;
      state.resident = floor;
    },
  });
  return probe;
}

describe("IdleHeapTrimmer", () => {
  it("trims once the gateway has been quiet for the idle time, not before", async () => {
    const probe = fakeProbe();
    const trims: Array<[number, number]> = [];
    const trimmer = new IdleHeapTrimmer(probe, 8_000, (before, after) => trims.push([before, after]));
    expect(trimmer.intervalMs).toBe(2_000);
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBe(false);
    expect(await trimmer.check()).toBe(true);
    expect(trims).toEqual([[150 * MB, 70 * MB]]);
  });

  it("counts a request a second (health checks, scrapes) as quiet, more as busy", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 4_000);
    probe.count += 2; // two requests in a 1 s interval: still quiet
    expect(await trimmer.check()).toBe(false);
    probe.count += 2;
    expect(await trimmer.check()).toBe(false);
    probe.count += 2;
    expect(await trimmer.check()).toBe(false);
    probe.count += 3; // busy: the quiet spell starts over
    expect(await trimmer.check()).toBe(false);
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBe(false);
    expect(await trimmer.check()).toBe(true);
    expect(probe.collections).toBe(1);
  });

  it("never trims under a request in flight (a long stream is not idleness)", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    probe.open = 1;
    for (let tick = 0; tick < 5; tick++) expect(await trimmer.check()).toBe(false);
    probe.open = 0;
    expect(await trimmer.check()).toBe(true);
  });

  it("trims again only after the heap has grown back by a tenth", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    expect(await trimmer.check()).toBe(true);
    probe.resident = 76 * MB; // within 10 % of the 70 MB left after the last trim
    expect(await trimmer.check()).toBe(false);
    probe.resident = 78 * MB;
    expect(await trimmer.check()).toBe(true);
    expect(probe.collections).toBe(2);
  });

  it("waits at most 10 s before the first trim, the full idle time before later ones", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 60_000);
    expect(trimmer.intervalMs).toBe(2_500);
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBe(false);
    expect(await trimmer.check()).toBe(true); // 10 s
    probe.resident = 150 * MB;
    for (let tick = 0; tick < 19; tick++) expect(await trimmer.check()).toBe(false);
    expect(await trimmer.check()).toBe(true); // 60 s more
  });

  it("runs one collection at a time", async () => {
    const probe = fakeProbe();
    let release!: () => void;
    probe.collect = () => new Promise<void>((resolve) => (release = resolve));
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    const first = trimmer.check();
    expect(await trimmer.check()).toBe(false);
    release();
    expect(await first).toBe(true);
  });
});

describe("collectAllGarbage", () => {
  it("gives back the young generation a burst of allocation grew", async () => {
    const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === "new_space")!.physical_space_size;
    let keep: unknown[] = [];
    for (let round = 0; round < 200; round++) keep = Array.from({ length: 5_000 }, (_, i) => ({ i, text: `garbage ${round} ${i}` }));
    expect(keep).toHaveLength(5_000);
    const grown = newSpace();
    await collectAllGarbage();
    expect(newSpace()).toBeLessThan(grown / 2);
  });
});
