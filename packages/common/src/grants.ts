// What an access token grants, and the identities it may name: dependency-free, so domain code may
// take them (@rtcroom/common/errors) without the token library.
export interface Grants {
  /** May create rooms (explicitly, or by joining with create_if_missing). */
  roomCreate?: boolean;
  /** May join rooms: any room, or only `room` when set. */
  roomJoin?: boolean;
  /** The one room (name or id) the token acts in: it joins, creates, reads and manages no other. */
  room?: string;
  /** May list open rooms and read rooms one is not in (a lobby); with `room`, only that room. */
  roomList?: boolean;
  /** May update and close rooms and remove members: in `room` when set, in every room when not. */
  roomAdmin?: boolean;
  /** The service-desk teams (ids or names) the holder is an agent of. */
  agentTeams?: string[];
  /** May send room messages in the rooms it holds a seat in. Absent: as roomJoin; false: may not. */
  roomMessage?: boolean;
  /** Joins only as audience: no seat, not even by promotion. */
  audienceOnly?: boolean;
  /** The service-desk teams (ids or names) the holder supervises: lists, monitors and barges into their calls. */
  supervisorTeams?: string[];
}

/** An identity (a token's sub): 1-128 characters of [A-Za-z0-9_.@-]. */
export const identityPattern = /^[A-Za-z0-9_.@-]{1,128}$/;
