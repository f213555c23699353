// Reconnect delays: exponential back-off with jitter, so a gateway restart is not met by every client
// at the same instant.

export interface BackoffOptions {
  /** First delay (ms). Default 500. */
  initialDelayMs?: number;
  /** Longest delay (ms). Default 30 000. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Share of each delay that is random, 0-1. Default 0.5: the delay is between half and all of the nominal one. */
  jitter?: number;
}

/**
 * The delay before reconnect attempt `attempt` (0 for the first): nominal = initial * factor^attempt,
 * capped at max, of which a `jitter` share is replaced by a random amount.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = options.initialDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const factor = options.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
  const nominal = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
  return Math.round(nominal * (1 - jitter) + nominal * jitter * random());
}
