// Presence, reached over gRPC, as the calls' PresencePort.
import { createClient } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { PresencePort } from '../app/calls';

export function grpcPresencePort(address: string): PresencePort & { close(): void } {
  const client = createClient(presencev1.PresenceServiceService, address, 3000);
  return {
    async isOnline(identity) {
      return (await client.getUserPresence({ identity })).online;
    },
    close: () => client.close(),
  };
}
