// The services the gateway calls on a client's behalf.
import { AsyncClient, createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig, withCallDefaults } from '@rtcroom/common';
import { callServicev1, deskServicev1, presencev1, roomServicev1, urlIssuerv1 } from '@rtcroom/proto';

export interface Backends {
  room: AsyncClient<typeof roomServicev1.RoomServiceService>;
  calls: AsyncClient<typeof callServicev1.CallServiceService>;
  desk: AsyncClient<typeof deskServicev1.DeskServiceService>;
  presence: AsyncClient<typeof presencev1.PresenceServiceService>;
  urls: AsyncClient<typeof urlIssuerv1.UrlIssuerServiceService>;
  close(): void;
}

/** With tls the gateway presents its certificate (role `gateway`) to every service. */
export function connectBackends(addresses: { room: string; presence: string; urls: string }, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): Backends {
  const room = createClient(roomServicev1.RoomServiceService, addresses.room, 5000, { tls, metrics, inproc });
  const calls = createClient(callServicev1.CallServiceService, addresses.room, 5000, { tls, metrics, inproc });
  const desk = createClient(deskServicev1.DeskServiceService, addresses.room, 5000, { tls, metrics, inproc });
  const presence = createClient(presencev1.PresenceServiceService, addresses.presence, 5000, { tls, metrics, inproc });
  const urls = createClient(urlIssuerv1.UrlIssuerServiceService, addresses.urls, 3000, { tls, metrics, inproc });
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

/**
 * The services as one frame's request calls them: every call carries the request's id (x-request-id),
 * so the services' log lines of it name the same request as the gateway's.
 */
export function scopedBackends(backends: Backends, requestId: string): Backends {
  const scope = { requestId };
  return {
    room: withCallDefaults(backends.room, scope),
    calls: withCallDefaults(backends.calls, scope),
    desk: withCallDefaults(backends.desk, scope),
    presence: withCallDefaults(backends.presence, scope),
    urls: withCallDefaults(backends.urls, scope),
    close: () => backends.close(),
  };
}
