// NATS subjects of rtcroom's events, in one place: namespace first, identifiers last, only
// [A-Za-z0-9_-] in each token. Identities may hold '.' and '@', so they travel base64url-encoded.
export const subjects = {
  /** Every room's events (the ROOM_EVENTS stream). */
  allRoomEvents: 'rtcroom.room.>',
  roomEvent: (roomId: string, topic: string) => `rtcroom.room.${roomId}.${topic}`,
  /** One room's events (a gateway's subscription while it serves the room). */
  roomEvents: (roomId: string) => `rtcroom.room.${roomId}.>`,
  /** Every user-addressed event (call invitations and their progress, supervision's audit rows: the USER_EVENTS stream). */
  allUserEvents: 'rtcroom.user.>',
  /** One identity's call events (a gateway's subscription while the identity is connected to it). */
  userCall: (identity: string) => `rtcroom.user.${Buffer.from(identity, 'utf8').toString('base64url')}.call`,
  /** Every identity's call events (what a gateway reads back after losing its connection to NATS). */
  allUserCalls: 'rtcroom.user.*.call',
  /** Every media fact (the MEDIA_EVENTS stream). */
  allMediaEvents: 'rtcroom.media.>',
  mediaEvent: (roomId: string, topic: string) => `rtcroom.media.${roomId}.${topic}`,
};
