import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { collectAllGarbage, IdleHeapTrimmer, scavenge, type TrimProbe, youngGenerationBytes } from "./idle-heap-trim.js";

const MB = 1_048_576;

/** A probe the test drives: requests and RSS are set by hand; a collection drops RSS to `floor`. */
function fakeProbe(floor = 70 * MB) {
  // `shrinkAt`: the scavenge (counted from 1) at which V8 shrinks the young generation; 0 = never.
  const state = {
    count: 0, open: 0, resident: 150 * MB, young: 1 * MB, collections: 0, scavenges: 0, shrinkAt: 2,
    /** V8's memory reducer: held or not, each change in order. */
    reducer: [] as boolean[],
    nextRequest: undefined as (() => void) | undefined,
  };
  const probe: TrimProbe & typeof state = Object.assign(state, {
    requests: () => state.count,
    inFlight: () => state.open,
    onNextRequest: (callback: () => void) => (state.nextRequest = callback),
    rss: () => state.resident,
    holdMemoryReducer: (held: boolean) => state.reducer.push(held),
    youngGeneration: () => state.young,
    scavenge: () => {
      state.scavenges++;
      if (state.scavenges === state.shrinkAt) {
        state.resident -= state.young - 1 * MB;
        state.young = 1 * MB;
      }
    },
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
    const trims: Array<[string, number, number]> = [];
    const trimmer = new IdleHeapTrimmer(probe, 8_000, (step, before, after) => trims.push([step, before, after]));
    expect(trimmer.intervalMs).toBe(2_000);
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(await trimmer.check()).toBe("full");
    expect(trims).toEqual([["full", 150 * MB, 70 * MB]]);
  });

  it("counts a request a second (health checks, scrapes) as quiet, more as busy", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 4_000);
    probe.count += 2; // two requests in a 1 s interval: still quiet
    expect(await trimmer.check()).toBeUndefined();
    probe.count += 2;
    expect(await trimmer.check()).toBeUndefined();
    probe.count += 2;
    expect(await trimmer.check()).toBeUndefined();
    probe.count += 3; // busy: the quiet spell starts over
    expect(await trimmer.check()).toBeUndefined();
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(await trimmer.check()).toBe("full");
    expect(probe.collections).toBe(1);
  });

  it("never trims under a request in flight (a long stream is not idleness)", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    probe.open = 1;
    for (let tick = 0; tick < 5; tick++) expect(await trimmer.check()).toBeUndefined();
    probe.open = 0;
    expect(await trimmer.check()).toBe("full");
  });

  it("trims again only after the heap has grown back by a tenth", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    expect(await trimmer.check()).toBe("full");
    probe.resident = 76 * MB; // within 10 % of the 70 MB left after the last trim
    expect(await trimmer.check()).toBeUndefined();
    probe.resident = 78 * MB;
    expect(await trimmer.check()).toBe("full");
    expect(probe.collections).toBe(2);
  });

  it("waits at most 10 s before the first trim, the full idle time before later ones", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 60_000);
    expect(trimmer.intervalMs).toBe(2_500);
    for (let tick = 0; tick < 3; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(await trimmer.check()).toBe("full"); // 10 s
    probe.resident = 150 * MB;
    for (let tick = 0; tick < 19; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(await trimmer.check()).toBe("full"); // 60 s more
  });

  it("releases the young generation after 7.5 s of quiet, a scavenge a tick until V8 shrinks it, once a spell", async () => {
    const probe = fakeProbe();
    const released: Array<[number, number]> = [];
    const trimmer = new IdleHeapTrimmer(probe, 60_000, (step, before, after) => step === "young" && released.push([before, after]));
    for (let tick = 0; tick < 3; tick++) await trimmer.check();
    expect(await trimmer.check()).toBe("full"); // the first trim, at 10 s, shrinks everything
    expect(probe.scavenges).toBe(0);
    probe.resident = 100 * MB; // a burst grew the heap again, not by enough for a full trim yet
    probe.young = 29 * MB;
    probe.count += 100;
    expect(await trimmer.check()).toBeUndefined(); // busy
    for (let tick = 0; tick < 2; tick++) expect(await trimmer.check()).toBeUndefined(); // 5 s quiet
    expect(probe.scavenges).toBe(0);
    expect(await trimmer.check()).toBeUndefined(); // 7.5 s: the first scavenge records the quiet spell
    expect(probe.scavenges).toBe(1);
    expect(await trimmer.check()).toBe("young"); // 10 s: at the second V8 shrinks the young generation
    expect(released).toEqual([[29 * MB, 1 * MB]]);
    for (let tick = 0; tick < 10; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(probe.scavenges).toBe(2); // nothing more to give back in this spell
  });

  it("stops after four scavenges in a quiet spell if V8 keeps the young generation", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 60_000);
    for (let tick = 0; tick < 4; tick++) await trimmer.check(); // the first full trim
    Object.assign(probe, { resident: 100 * MB, young: 29 * MB, shrinkAt: 0 });
    probe.count += 100;
    for (let tick = 0; tick < 15; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(probe.scavenges).toBe(4);
  });

  it("starts over when requests come between the scavenges, and skips a small young generation", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 60_000);
    for (let tick = 0; tick < 4; tick++) await trimmer.check(); // the first full trim
    probe.resident = 71 * MB;
    probe.count += 100;
    await trimmer.check();
    for (let tick = 0; tick < 5; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(probe.scavenges).toBe(0); // 1 MB young generation: nothing to give back
    probe.young = 29 * MB;
    probe.shrinkAt = 3;
    expect(await trimmer.check()).toBeUndefined();
    expect(probe.scavenges).toBe(1);
    probe.count += 100; // busy again before the second
    expect(await trimmer.check()).toBeUndefined();
    for (let tick = 0; tick < 2; tick++) expect(await trimmer.check()).toBeUndefined();
    expect(probe.scavenges).toBe(1);
    expect(await trimmer.check()).toBeUndefined(); // 7.5 s into the new spell: its first
    expect(await trimmer.check()).toBe("young");
    expect(probe.scavenges).toBe(3);
  });

  it("holds V8's memory reducer from the first quiet tick until the next request", async () => {
    const probe = fakeProbe();
    const trimmer = new IdleHeapTrimmer(probe, 60_000);
    probe.count += 100;
    await trimmer.check(); // busy: the reducer runs as V8 pleases
    expect(probe.reducer).toEqual([]);
    await trimmer.check(); // quiet
    expect(probe.reducer).toEqual([true]);
    await trimmer.check();
    expect(probe.reducer).toEqual([true]); // held once, not again each tick
    probe.nextRequest!(); // load is back: let go at once, not a tick later
    expect(probe.reducer).toEqual([true, false]);
    probe.count += 100;
    await trimmer.check(); // the busy tick has nothing left to let go
    expect(probe.reducer).toEqual([true, false]);
    await trimmer.check();
    expect(probe.reducer).toEqual([true, false, true]);
    probe.count += 100;
    await trimmer.check(); // a busy tick lets go too, whatever the server reported
    expect(probe.reducer).toEqual([true, false, true, false]);
  });

  it("runs one collection at a time", async () => {
    const probe = fakeProbe();
    let release!: () => void;
    probe.collect = () => new Promise<void>((resolve) => (release = resolve));
    const trimmer = new IdleHeapTrimmer(probe, 1_000);
    const first = trimmer.check();
    expect(await trimmer.check()).toBeUndefined();
    release();
    expect(await first).toBe("full");
  });
});

/** Allocates a burst of short-lived objects, so V8 grows its young generation; returns its resident size after. */
function growYoungGeneration(): number {
  let keep: unknown[] = [];
  for (let round = 0; round < 200; round++) keep = Array.from({ length: 5_000 }, (_, i) => ({ i, text: `garbage ${round} ${i}` }));
  expect(keep).toHaveLength(5_000);
  return youngGenerationBytes();
}

describe("collectAllGarbage", () => {
  it("gives back the young generation a burst of allocation grew", async () => {
    const grown = growYoungGeneration();
    await collectAllGarbage();
    expect(youngGenerationBytes()).toBeLessThan(grown / 2);
  });
});

describe("scavenge", () => {
  it("gives back the young generation when run after a quiet spell, as the trimmer runs it", async () => {
    const grown = growYoungGeneration();
    expect(grown).toBeGreaterThan(4 * MB);
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // longer than V8's 5 s allocation-rate window
    scavenge();
    // V8's gc function was exposed to one context of the trimmer's own; no other code sees it.
    if (!process.execArgv.includes("--expose-gc")) expect(globalThis.gc).toBeUndefined();
    expect(runInNewContext("typeof gc")).toBe("undefined");
    scavenge();
    expect(youngGenerationBytes()).toBeLessThan(grown / 2);
  }, 15_000);
});

const compiled = fileURLToPath(new URL("../../dist/server/idle-heap-trim.js", import.meta.url));

/**
 * In a fresh process, run with --trace-gc: fill and drop the old generation six times, so V8 runs
 * full collections; V8 prints "since start of marking" for each one it marked incrementally.
 */
const MARKING_CHILD = `
const { holdMemoryReducer } = await import(process.argv[1]);
if (process.argv[2] === "hold") holdMemoryReducer(true);
for (let round = 0; round < 6; round++) {
  let kept = [];
  for (let i = 0; i < 200; i++) kept.push(Array.from({ length: 8192 }, (_, j) => ({ j, s: "x" + j })));
  kept = [];
  await new Promise((r) => setTimeout(r, 50));
}
`;

async function fullCollections(mode: "hold" | "free"): Promise<{ all: number; incremental: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--trace-gc", "--input-type=module", "-e", MARKING_CHILD, pathToFileURL(compiled).href, mode], { maxBuffer: 16 * MB });
  const lines = stdout.split("\n").filter((line) => line.includes("Mark-Compact"));
  return { all: lines.length, incremental: lines.filter((line) => line.includes("since start of marking")).length };
}

describe.skipIf(!existsSync(compiled))("holdMemoryReducer (compiled build)", () => {
  // V8's memory reducer runs its collections only by starting incremental marking (memory-reducer.cc:
  // can_start_incremental_gc), so a process where no marking can start is one it leaves alone.
  it("stops V8 from starting incremental marking", async () => {
    const [free, held] = await Promise.all([fullCollections("free"), fullCollections("hold")]);
    expect(free.incremental).toBeGreaterThanOrEqual(1);
    expect(held.all).toBeGreaterThanOrEqual(1);
    expect(held.incremental).toBe(0);
  });
});
