// A client process's share of the idle scenario: open connections at a set pace, keep them alive with
// heartbeats, report ping round trips, close them when told.
import { BenchClient, OpenError } from '../client';
import { nowMs, sleep, waitUntil } from '../clock';
import { wsUrl } from '../protocol';
import { countError, type IdleClosed, type IdleOpened, type IdlePlan } from '../pool/messages';

export class IdleHolder {
  private readonly clients: BenchClient[] = [];
  private readonly pingRttMs: number[] = [];
  private pingFailures = 0;
  private droppedWhileIdle = 0;
  private closing = false;
  /** Ping round trips count only once every connection is open: idle, not ramping. */
  private steady = false;

  async open(plan: IdlePlan): Promise<IdleOpened> {
    const result: IdleOpened = { opened: 0, failed: 0, errors: {}, connectMs: [] };
    let pending = 0;
    let started = 0;
    const startAt = nowMs();
    while (started < plan.clients.length) {
      if (nowMs() > plan.deadlineAt) {
        countError(result.errors, 'connect:BENCH_DEADLINE', plan.clients.length - started);
        result.failed += plan.clients.length - started;
        break;
      }
      const due = Math.min(plan.clients.length, Math.floor(((nowMs() - startAt) * plan.connectRate) / 1000) + 1);
      while (started < due && pending < plan.maxPending) {
        const { identity, token } = plan.clients[started++];
        pending++;
        BenchClient.open(wsUrl(plan.address, token), identity, {
          timeoutMs: plan.connectTimeoutMs,
          onClose: () => {
            if (!this.closing) this.droppedWhileIdle++;
          },
        })
          .then((client) => {
            this.clients.push(client);
            result.opened++;
            result.connectMs.push(client.welcomedAt - client.openedAt);
            const interval = client.pingIntervalMs > 0 ? Math.min(plan.heartbeatMs, client.pingIntervalMs) : plan.heartbeatMs;
            client.startHeartbeat(
              interval,
              (ms) => this.steady && this.pingRttMs.push(ms),
              () => this.pingFailures++,
            );
          })
          .catch((err: unknown) => {
            result.failed++;
            countError(result.errors, `connect:${err instanceof OpenError ? err.code : 'BENCH_SOCKET'}`);
          })
          .finally(() => pending--);
      }
      await sleep(2);
    }
    await waitUntil(() => pending === 0, Math.max(0, plan.deadlineAt - nowMs()) + plan.connectTimeoutMs);
    this.steady = true;
    return result;
  }

  async close(): Promise<IdleClosed> {
    this.closing = true;
    for (const c of this.clients) c.stopHeartbeat();
    // Close in batches so the server sees a steady stream rather than one cliff.
    for (let i = 0; i < this.clients.length; i += 500) {
      await Promise.all(this.clients.slice(i, i + 500).map((c) => c.close(3000)));
    }
    this.clients.length = 0;
    return { pingRttMs: this.pingRttMs, pingFailures: this.pingFailures, droppedWhileIdle: this.droppedWhileIdle };
  }
}
