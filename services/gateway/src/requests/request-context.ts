// What every request handler gets, and the checks they share.
import { Grants } from '@rtcroom/common';
import { authv1, mediav1 } from '@rtcroom/proto';
import { Backends } from '../backends';
import { GatewayError } from '../errors';
import { CallFanout } from '../fanout/call-fanout';
import { RoomFanout } from '../fanout/room-fanout';
import { Connection } from '../ws/connection';
import { TokenExpiry } from '../ws/token-expiry';

export interface RequestContext {
  requestId: string;
  conn: Connection;
  backends: Backends;
  fanout: RoomFanout;
  calls: CallFanout;
  /** refreshToken: replaces conn.claims, so handlers read grants from conn.claims at each request. */
  tokens: TokenExpiry;
}

/**
 * Who a request acts for, as the owning service needs it to decide: the identity and the grants of the
 * connection's access token as they are now (a refreshed token's grants take effect at once).
 */
export function principalOf(conn: Connection): authv1.Principal {
  const g: Grants = conn.claims.grants ?? {};
  return {
    identity: conn.identity,
    grants: {
      roomCreate: g.roomCreate === true,
      roomJoin: g.roomJoin === true,
      room: typeof g.room === 'string' ? g.room : '',
      roomList: g.roomList === true,
      roomAdmin: g.roomAdmin === true,
      agentTeams: Array.isArray(g.agentTeams) ? g.agentTeams.filter((t): t is string => typeof t === 'string') : [],
      roomMessage: typeof g.roomMessage === 'boolean' ? g.roomMessage : undefined,
      audienceOnly: g.audienceOnly === true,
      supervisorTeams: Array.isArray(g.supervisorTeams) ? g.supervisorTeams.filter((t): t is string => typeof t === 'string') : [],
    },
  };
}

/** The kind a seat-taking request says, else the connection's (?client_kind= at connect). */
export function kindOf(conn: Connection, asked: mediav1.ClientKind | undefined): mediav1.ClientKind {
  return asked === undefined || asked === mediav1.ClientKind.CLIENT_KIND_UNSPECIFIED ? conn.kind : asked;
}

export function requireSeat(conn: Connection, roomId: string): void {
  if (!roomId) throw new GatewayError('INVALID_ARGUMENT', 'roomId is required');
  if (!conn.seats.has(roomId)) throw new GatewayError('NOT_A_MEMBER', `this connection holds no seat in room ${roomId}`);
}
