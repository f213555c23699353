// The SDK's frames against the gateway's own JSON codec (@rtcroom/proto's gatewayv1, which the gateway
// uses), for every case of ServerMessage and ClientMessage the proto has today: samples built from its
// descriptors (test/proto-samples.ts), so a field or case added to gateway.proto that the SDK does not
// read, or does not send, fails here.
import { gatewayv1 } from '@rtcroom/proto';
import { connectedClient, lastRequest, until } from '../test/fake-gateway';
import { describeSample, Json, messageType, Samples } from '../test/proto-samples';
import type { RtcRoomClient } from './client';
import { readServerMessage } from './frames';
import { fromBase64 } from './rooms/bytes';
import type { RequestBody, RequestKind } from './protocol';

const serverMessage = messageType('rtcroom.gateway.v1.ServerMessage');
const clientMessage = messageType('rtcroom.gateway.v1.ClientMessage');

/** What the gateway puts on the socket for a message. */
const gatewayWrites = (json: Json): Json => JSON.parse(JSON.stringify(gatewayv1.ServerMessage.toJSON(gatewayv1.ServerMessage.fromJSON(json))));
/** The SDK hands bytes (a custom message's payload, base64 on the wire) on as a Uint8Array. */
const withBytes = (json: unknown): unknown => {
  if (Array.isArray(json)) return json.map(withBytes);
  if (json === null || typeof json !== 'object') return json;
  const out = Object.fromEntries(Object.entries(json).map(([k, v]) => [k, withBytes(v)]));
  if ('topic' in out && typeof out.payload === 'string') out.payload = fromBase64(out.payload);
  return out;
};
const titled = (message: typeof serverMessage, samples: Json[]) => samples.map((s) => [describeSample(message, s), s] as const);

describe('every frame the gateway sends, as the SDK reads it', () => {
  it.each(titled(serverMessage, new Samples('full').of(serverMessage)))('%s: every field set comes through', (_case, sample) => {
    const written = gatewayWrites(sample);
    // The samples are what the codec writes: their names and values are the proto's JSON mapping.
    expect(written).toEqual(sample);
    expect(readServerMessage(written)).toEqual(withBytes(written));
  });

  it.each(titled(serverMessage, new Samples('empty').of(serverMessage)))('%s: defaults read alike, written out or left out', (_case, sample) => {
    // The gateway writes every scalar at its default; older ones left them out. The SDK fills in the same.
    expect(readServerMessage(sample)).toEqual(readServerMessage(gatewayWrites(sample)));
  });
});

/** Each request through the SDK's own API, with every field of `body` that the API takes. */
const send: { [K in RequestKind]: (client: RtcRoomClient, body: RequestBody<K>) => Promise<unknown> } = {
  ping: (c) => c.ping(),
  createRoom: (c, b) => c.createRoom(b.room),
  joinRoom: (c, b) => c.joinRoom(b),
  leaveRoom: (c, b) => c.leaveRoom(b.roomId!),
  listRooms: (c, b) => c.listRooms(b),
  getRoom: (c, b) => c.getRoom(b),
  reportPusherEvent: (c, b) => c.reportPusherEvent(b.roomId!, b.code!, b.message),
  updateMember: (c, b) => c.updateProfile(b.roomId!, { displayName: b.displayName, avatarUrl: b.avatarUrl, customData: b.customData }),
  updateRoom: (c, b) => c.updateRoom(b.roomId!, { displayName: b.displayName, metadata: b.metadata }),
  removeMember: (c, b) => c.removeMember(b.roomId!, b.identity!, { reasonText: b.reasonText, banSeconds: b.banSeconds }),
  closeRoom: (c, b) => c.closeRoom(b.roomId!),
  placeCall: (c, b) => c.placeCall(b.calleeIdentity!, { recording: b.recording, metadata: b.metadata, ringTimeoutSeconds: b.ringTimeoutSeconds, kind: b.kind }),
  answerCall: (c, b) => c.answerCall(b.callId!, b.accept, { kind: b.kind }),
  cancelCall: (c, b) => c.cancelCall(b.callId!),
  hangUp: (c, b) => c.hangUp(b.callId!),
  // The client sends these two itself (a gap in a room's notices, a resume): straight through its connection.
  syncRoom: (c, b) => c['transport'].request('syncRoom', b),
  getCall: (c, b) => c['transport'].request('getCall', b),
  setAgentState: (c, b) => c.setAgentState(b.team!, b.state),
  getTeam: (c, b) => c.getTeam(b.team!),
  callTeam: (c, b) => c.callTeam(b.team!, { metadata: b.metadata, kind: b.kind }),
  transferCall: (c, b) => c.transferCall(b.callId!, { toIdentity: b.toIdentity!, toTeam: b.toTeam! }),
  inviteToCall: (c, b) => c.inviteToCall(b.callId!, b.identity!),
  getTeamStats: (c, b) => c.getTeamStats(b.team!),
  refreshToken: (c, b) => c.refreshToken(b.accessToken),
  sendMessage: (c, b) =>
    c.sendMessage(b.roomId!, b.custom ? { topic: b.custom.topic, payload: fromBase64(b.custom.payload) } : b.text!, { to: b.recipients, idempotencyKey: b.idempotencyKey }),
  listMessages: (c, b) => c.messageHistory(b.roomId!),
  setMediaState: (c, b) => c.setMedia(b.roomId!, { audio: b.audio, video: b.video }),
  muteMember: (c, b) => c.muteMember(b.roomId!, b.identity!, { audio: b.audio, video: b.video, forbidUnmute: b.forbidUnmute }),
  allowUnmute: (c, b) => c.allowUnmute(b.roomId!, b.identity!, { audio: b.audio, video: b.video }),
  // takeSeat, leaveSeat (identity empty: yourself), inviteToSeat and moveToAudience are the four values of this one request.
  setMemberRole: (c, b) =>
    b.role === 'MEMBER_ROLE_AUDIENCE' ? c.moveToAudience(b.roomId!, b.identity!) : c.inviteToSeat(b.roomId!, b.identity!),
  listLiveCalls: (c, b) => c.listLiveCalls(b.team),
  monitorCall: (c, b) => c.monitorCall(b.callId!),
  bargeIn: (c, b) => c.bargeIn(b.callId!, { kind: b.kind }),
  whisper: (c, b) => c.whisper(b.callId!, { kind: b.kind }),
  stopMonitor: (c, b) => c.stopMonitor(b.callId!),
  listCallRecordings: (c, b) => c.listCallRecordings(b.callId!),
  listMyCalls: (c, b) => c['transport'].request('listMyCalls', b),
};

/** Fields the SDK sets itself, whatever the app gives: what they must be. */
const setBySdk: Partial<Record<RequestKind, (sent: Json) => Json>> = {
  // A fresh key per join, so that a retried join never takes two seats.
  joinRoom: (sent) => ({ idempotencyKey: sent.idempotencyKey }),
  updateMember: () => ({ updateMask: ['display_name', 'avatar_url', 'custom_data'] }),
  updateRoom: () => ({ updateMask: ['display_name', 'metadata'] }),
};

describe('every request the SDK sends, as the gateway reads it', () => {
  it.each(titled(clientMessage, new Samples('full').of(clientMessage)))('%s: every field given arrives', async (title, sample) => {
    const kind = title.split(' ')[0]; // "sendMessage text": a request with a oneof of its own, one sample per case
    const { client, socket } = await connectedClient();
    const body = sample[kind] as Json;
    void send[kind as RequestKind](client, body as never).catch(() => undefined);
    await until(() => !!lastRequest(socket, kind));
    const sent = lastRequest(socket, kind)!;
    const expected = { ...sample, requestId: sent.requestId, [kind]: { ...body, ...setBySdk[kind as RequestKind]?.(sent[kind]) } };
    expect(gatewayv1.ClientMessage.fromJSON(sent)).toEqual(gatewayv1.ClientMessage.fromJSON(expected));
    await client.close();
  });

  it('a join carries an idempotency key of its own', async () => {
    const { client, socket } = await connectedClient();
    void client.joinRoom({ roomName: 'demo' }).catch(() => undefined);
    await until(() => !!lastRequest(socket, 'joinRoom'));
    expect(lastRequest(socket, 'joinRoom')!.joinRoom.idempotencyKey).toMatch(/^k[0-9a-z]{20}$/);
    await client.close();
  });
});
