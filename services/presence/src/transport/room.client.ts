// The room service, reached over gRPC, as presence's RoomPort.
import { createClient, GrpcMetrics, InProcessHub, GrpcTlsConfig, optionsOf } from '@rtcroom/common';
import { roomServicev1, roomv1 } from '@rtcroom/proto';
import { RoomPort } from '../presence-app';

export function grpcRoomPort(address: string, tls?: GrpcTlsConfig, metrics?: GrpcMetrics, inproc?: InProcessHub): RoomPort & { close(): void } {
  const client = createClient(roomServicev1.RoomServiceService, address, 5000, { tls, metrics, inproc });
  return {
    async leaveSession(sessionId, why, scope) {
      const reason = why === 'left' ? roomv1.LeaveReason.LEAVE_REASON_LEFT : roomv1.LeaveReason.LEAVE_REASON_CONNECTION_LOST;
      const { members } = await client.leaveSession({ sessionId, reason }, optionsOf(scope));
      return members.length;
    },
    async setSessionConnection(sessionId, connected, scope) {
      const { members, roomSeqs } = await client.setSessionConnection({ sessionId, connected }, optionsOf(scope));
      return { members, roomSeqs };
    },
    async setStreamState(roomId, identity, publishing, scope) {
      const res = await client.setStreamState({ roomId, identity, publishing, source: roomv1.StreamSource.STREAM_SOURCE_CLIENT }, optionsOf(scope));
      return res.changed;
    },
    close: () => client.close(),
  };
}
