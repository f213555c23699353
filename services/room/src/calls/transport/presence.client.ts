// Presence, reached over gRPC, as the calls' PresencePort.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig, optionsOf } from '@rtcroom/common';
import { presencev1 } from '@rtcroom/proto';
import { PresencePort } from '../application/calls';

export function grpcPresencePort(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): PresencePort & { close(): void } {
  const client = createClient(presencev1.PresenceServiceService, address, 3000, { tls, metrics, inproc });
  return {
    async isOnline(identity, scope) {
      return (await client.getUserPresence({ identity }, optionsOf(scope))).online;
    },
    async onlineAmong(identities, scope) {
      const online = new Set<string>();
      for (let i = 0; i < identities.length; i += 500) {
        const { onlineIdentities } = await client.listOnline({ identities: identities.slice(i, i + 500) }, optionsOf(scope));
        onlineIdentities.forEach((id) => online.add(id));
      }
      return online;
    },
    close: () => client.close(),
  };
}
