// Presence's own metrics (besides gRPC and its consumer's): the sessions it holds, read at scrape.
import { ServiceMetrics } from '@rtcroom/common';
import type { SessionStore } from './store/session-store';

export function presenceMetrics(metrics: ServiceMetrics, store: Pick<SessionStore, 'count'>): void {
  metrics.gaugeAtScrape('rtcroom_presence_sessions', 'Sessions presence holds now (connected, or dropped and waiting to be resumed), as this instance sees them', [], () => [{ value: store.count() }]);
}
