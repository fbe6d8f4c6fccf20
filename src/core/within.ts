/**
 * Waits for `done` at most `ms`: true when it settled in time. The timer is
 * cleared either way and is referenced (a process shutting down stays up until
 * the wait ends). A rejection of `done` within the time is passed on.
 */
export async function within(ms: number, done: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([done.then(() => true), timeUp]);
  } finally {
    clearTimeout(timer);
  }
}
