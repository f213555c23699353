// The length limits of what clients write, by proto field, as the proto comments document them (a
// unit test holds each entry to its field's comment). The owning service checks them too; the
// gateway refuses a frame over a limit before it asks any service. Ids and identities are not here:
// their shape (characters and length) is checked where they are resolved.
export interface FieldLimit {
  /** Unicode code points. */
  maxChars?: number;
  /** UTF-8 bytes. */
  maxBytes?: number;
}

export const fieldLimits: Record<string, FieldLimit> = {
  'rtcroom.room.v1.Room.display_name': { maxChars: 128 },
  'rtcroom.room.v1.Room.metadata': { maxBytes: 4096 },
  'rtcroom.gateway.v1.JoinRoomRequest.display_name': { maxChars: 128 },
  'rtcroom.gateway.v1.JoinRoomRequest.idempotency_key': { maxChars: 128 },
  'rtcroom.gateway.v1.UpdateMemberRequest.display_name': { maxChars: 128 },
  'rtcroom.gateway.v1.UpdateMemberRequest.avatar_url': { maxChars: 512 },
  'rtcroom.gateway.v1.UpdateMemberRequest.custom_data': { maxBytes: 4096 },
  'rtcroom.gateway.v1.UpdateRoomRequest.display_name': { maxChars: 128 },
  'rtcroom.gateway.v1.UpdateRoomRequest.metadata': { maxBytes: 4096 },
  'rtcroom.gateway.v1.RemoveMemberRequest.reason_text': { maxChars: 256 },
  'rtcroom.gateway.v1.PlaceCallRequest.metadata': { maxBytes: 1024 },
  'rtcroom.gateway.v1.CallTeamRequest.metadata': { maxBytes: 1024 },
};
