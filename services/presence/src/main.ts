// Runs presence alone: node services/presence/dist/main.js
import { runMain } from '@rtcroom/common';
import { loadPresenceConfig } from './config';
import { startPresenceService } from './service';

runMain('presence', loadPresenceConfig, startPresenceService);
