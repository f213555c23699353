// The url-issuer's own metrics (besides gRPC and its pool's): the media facts waiting for NATS, read at scrape.
import { ServiceMetrics } from '@rtcroom/common';
import type { MediaFactOutbox } from './events/media-fact-outbox';

export function urlIssuerMetrics(metrics: ServiceMetrics, facts: Pick<MediaFactOutbox, 'waitingCount'>): void {
  metrics.gaugeAtScrape('rtcroom_url_issuer_media_facts_waiting', 'Media facts NATS could not take yet, waiting in the store to be published in order', [], () => [{ value: facts.waitingCount }]);
}
