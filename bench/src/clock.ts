// One clock for every bench process: CLOCK_MONOTONIC (process.hrtime) is shared by all processes on
// the machine, so a timestamp taken in one client process compares with one taken in another.
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Resolves when `ready()` is true, polling every `everyMs`; false when `timeoutMs` passes first. */
export async function waitUntil(ready: () => boolean, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = nowMs() + timeoutMs;
  while (!ready()) {
    if (nowMs() >= deadline) return false;
    await sleep(everyMs);
  }
  return true;
}
