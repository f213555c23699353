// The host's timers, declared here so the SDK compiles without DOM or Node typings and runs wherever
// they are globals: browsers, Node and mini-programs (some of whose engines have no `globalThis`).

export type TimerHandle = { readonly __timer: unique symbol };

declare function setTimeout(fn: () => void, ms: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle): void;
declare function setInterval(fn: () => void, ms: number): TimerHandle;
declare function clearInterval(handle: TimerHandle): void;

export const setTimer = (fn: () => void, ms: number): TimerHandle => setTimeout(fn, ms);
export const clearTimer = (handle: TimerHandle | undefined): void => {
  if (handle !== undefined) clearTimeout(handle);
};
export const setRepeating = (fn: () => void, ms: number): TimerHandle => setInterval(fn, ms);
export const clearRepeating = (handle: TimerHandle | undefined): void => {
  if (handle !== undefined) clearInterval(handle);
};
