// The services the gateway calls on a client's behalf.
import { AsyncClient, createClient } from '@rtcroom/common';
import { callServicev1, presencev1, roomServicev1, urlIssuerv1 } from '@rtcroom/proto';

export interface Backends {
  room: AsyncClient<typeof roomServicev1.RoomServiceService>;
  calls: AsyncClient<typeof callServicev1.CallServiceService>;
  presence: AsyncClient<typeof presencev1.PresenceServiceService>;
  urls: AsyncClient<typeof urlIssuerv1.UrlIssuerServiceService>;
  close(): void;
}

export function connectBackends(addresses: { room: string; presence: string; urls: string }): Backends {
  const room = createClient(roomServicev1.RoomServiceService, addresses.room, 5000);
  const calls = createClient(callServicev1.CallServiceService, addresses.room, 5000);
  const presence = createClient(presencev1.PresenceServiceService, addresses.presence, 5000);
  const urls = createClient(urlIssuerv1.UrlIssuerServiceService, addresses.urls, 3000);
  return {
    room,
    calls,
    presence,
    urls,
    close() {
      room.close();
      calls.close();
      presence.close();
      urls.close();
    },
  };
}
