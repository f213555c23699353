// What every request handler gets, and the checks they share.
import { Grants } from '@rtcroom/common';
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

export function requireGrant(grants: Grants, grant: keyof Grants, what: string): void {
  if (!grants[grant]) throw new GatewayError('PERMISSION_DENIED', `the access token does not allow ${what}`);
}

export function requireSeat(conn: Connection, roomId: string): void {
  if (!roomId) throw new GatewayError('INVALID_ARGUMENT', 'roomId is required');
  if (!conn.seats.has(roomId)) throw new GatewayError('NOT_A_MEMBER', `this connection holds no seat in room ${roomId}`);
}
