// The services the gateway calls on a client's behalf.
import { AsyncClient, createClient } from '@rtcroom/common';
import { callServicev1, deskServicev1, presencev1, roomServicev1, urlIssuerv1 } from '@rtcroom/proto';

export interface Backends {
  room: AsyncClient<typeof roomServicev1.RoomServiceService>;
  calls: AsyncClient<typeof callServicev1.CallServiceService>;
  desk: AsyncClient<typeof deskServicev1.DeskServiceService>;
  presence: AsyncClient<typeof presencev1.PresenceServiceService>;
  urls: AsyncClient<typeof urlIssuerv1.UrlIssuerServiceService>;
  close(): void;
}

export function connectBackends(addresses: { room: string; presence: string; urls: string }): Backends {
  const room = createClient(roomServicev1.RoomServiceService, addresses.room, 5000);
  const calls = createClient(callServicev1.CallServiceService, addresses.room, 5000);
  const desk = createClient(deskServicev1.DeskServiceService, addresses.room, 5000);
  const presence = createClient(presencev1.PresenceServiceService, addresses.presence, 5000);
  const urls = createClient(urlIssuerv1.UrlIssuerServiceService, addresses.urls, 3000);
  return {
    room,
    calls,
    desk,
    presence,
    urls,
    close() {
      room.close();
      calls.close();
      desk.close();
      presence.close();
      urls.close();
    },
  };
}
