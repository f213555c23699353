export { loadPresenceConfig } from './config';
export type { PresenceConfig } from './config';
export { startPresenceService } from './service';
export type { RunningPresenceService } from './service';
export { presenceMetrics } from './presence-metrics';
