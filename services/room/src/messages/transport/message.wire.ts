// Room messages: domain <-> rtcroom.room.v1.RoomMessage.
import { roomMessagev1 } from '@rtcroom/proto';
import type { MessageBody, RoomMessage } from '../domain/room-message';

export function toProtoMessage(m: RoomMessage): roomMessagev1.RoomMessage {
  return {
    id: m.id,
    roomId: m.roomId,
    seq: m.seq,
    time: m.time,
    senderMemberId: m.senderMemberId,
    senderIdentity: m.senderIdentity,
    recipients: m.recipients,
    body: m.body.kind === 'text' ? { $case: 'text', value: m.body.text } : { $case: 'custom', value: { topic: m.body.topic, payload: Buffer.from(m.body.payload) } },
  };
}

export function fromProtoMessage(m: roomMessagev1.RoomMessage): RoomMessage {
  return {
    id: m.id,
    roomId: m.roomId,
    seq: m.seq,
    time: m.time ?? new Date(0),
    senderMemberId: m.senderMemberId,
    senderIdentity: m.senderIdentity,
    recipients: m.recipients,
    body: bodyFromProto(m.body) ?? { kind: 'text', text: '' },
  };
}

export function bodyFromProto(body: { $case: 'text'; value: string } | { $case: 'custom'; value: roomMessagev1.CustomMessage } | undefined): MessageBody | undefined {
  if (!body) return undefined;
  return body.$case === 'text' ? { kind: 'text', text: body.value } : { kind: 'custom', topic: body.value.topic, payload: body.value.payload };
}
