// NATS_REPLICAS: read by every service that makes a stream or a bucket, 1 unless set, and a value
// JetStream cannot have (0, 6, words) stops the start with an error naming the variable.
import { ConfigError } from '@rtcroom/common';
import { loadPresenceConfig } from '../../services/presence/src/config';
import { loadRoomConfig } from '../../services/room/src/config';
import { loadUrlIssuerConfig } from '../../services/url-issuer/src/config';

const loaders = { room: loadRoomConfig, presence: loadPresenceConfig, 'url-issuer': loadUrlIssuerConfig };

describe.each(Object.entries(loaders))('%s', (_, load) => {
  it('keeps one copy of each stream unless told otherwise, and takes 3 or 5', () => {
    expect(load({ RTCROOM_DEV: 'true' }).natsReplicas).toBe(1);
    expect(load({ RTCROOM_DEV: 'true', NATS_REPLICAS: '3' }).natsReplicas).toBe(3);
    expect(load({ RTCROOM_DEV: 'true', NATS_REPLICAS: '5' }).natsReplicas).toBe(5);
  });

  it('refuses a number of copies JetStream cannot keep, naming the variable', () => {
    for (const bad of ['0', '6', 'three', '-1']) {
      expect(() => load({ RTCROOM_DEV: 'true', NATS_REPLICAS: bad })).toThrow(ConfigError);
      expect(() => load({ RTCROOM_DEV: 'true', NATS_REPLICAS: bad })).toThrow(/NATS_REPLICAS/);
    }
  });
});
