// RoomService's message methods (SendMessage, ListMessages): proto in, domain calls, proto out. Bound
// with the rest of RoomService in rooms/transport/room.grpc.ts.
import type { CallContext } from '@rtcroom/common';
import type { roomServicev1 } from '@rtcroom/proto';
import { actorFromProto, userActor } from '../../wire/principal.wire';
import { Messages } from '../application/messages';
import { bodyFromProto, toProtoMessage } from './message.wire';

export function messageHandlers(messages: Messages) {
  return {
    async sendMessage(req: roomServicev1.SendMessageRequest, rpc: CallContext): Promise<roomServicev1.SendMessageResponse> {
      const message = await messages.send(
        { roomId: req.roomId, identity: req.identity, recipients: req.recipients, body: bodyFromProto(req.body), idempotencyKey: req.idempotencyKey },
        userActor(req.principal, rpc),
      );
      return { message: toProtoMessage(message) };
    },
    async listMessages(req: roomServicev1.ListMessagesRequest): Promise<roomServicev1.ListMessagesResponse> {
      const { messages: found, seq } = await messages.history(req.roomId, actorFromProto(req.principal));
      return { messages: found.map(toProtoMessage), seq };
    },
  };
}
