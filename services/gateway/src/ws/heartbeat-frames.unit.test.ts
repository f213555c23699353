import { gatewayv1 } from '@rtcroom/proto';
import { handleRequest } from '../requests/request-handlers';
import { encodeServerMessage } from './frames';
import { plainPingRequestId, pongFrame } from './heartbeat-frames';

const frame = (s: string) => Buffer.from(s, 'utf8');

describe('plainPingRequestId', () => {
  it('recognizes a ping as the SDK writes it, whatever printable id it carries', () => {
    expect(plainPingRequestId(frame('{"requestId":"42","ping":{}}'))).toBe('42');
    expect(plainPingRequestId(frame('{"requestId":"","ping":{}}'))).toBe('');
    expect(plainPingRequestId(frame(`{"requestId":"${'r'.repeat(64)}","ping":{}}`))).toBe('r'.repeat(64));
    expect(plainPingRequestId(frame('{"requestId":"a b~!#$%&()*+,-./:;<=>?@[]^_`{|}","ping":{}}'))).toBe('a b~!#$%&()*+,-./:;<=>?@[]^_`{|}');
  });

  it('leaves every other frame to the pipeline', () => {
    for (const other of [
      '{"ping":{},"requestId":"42"}',
      '{ "requestId": "42", "ping": {} }',
      '{"requestId":"42","ping":{},"x":1}',
      '{"requestId":"42","ping":{"a":1}}',
      '{"requestId":"4\\"2","ping":{}}',
      '{"requestId":"4\\u0032","ping":{}}',
      '{"requestId":"é","ping":{}}',
      `{"requestId":"${'r'.repeat(65)}","ping":{}}`,
      '{"requestId":"42","joinRoom":{}}',
      '{"requestId":"42","ping":{}}\n',
      'ping',
      '',
    ]) {
      expect(plainPingRequestId(frame(other))).toBeUndefined();
    }
  });
});

describe('pongFrame', () => {
  it('is the answer the pipeline writes to a ping, byte for byte', async () => {
    const now = new Date('2026-12-06T09:00:00.123Z');
    const answer = await handleRequest({} as never, { $case: 'ping', value: {} });
    const viaPipeline = encodeServerMessage({ requestId: 'r7', message: { ...answer!, value: { serverTime: now } } as gatewayv1.ServerMessage['message'] });
    expect(answer).toMatchObject({ $case: 'ping' });
    expect(pongFrame('r7', now)).toBe(viaPipeline);
    for (const id of ['', 'a b~!#$%&()*+,-./:;<=>?@[]^_`{|}', 'r'.repeat(64)]) {
      expect(pongFrame(id, now)).toBe(encodeServerMessage({ requestId: id, message: { $case: 'ping', value: { serverTime: now } } }));
    }
    expect(JSON.parse(pongFrame('r7', now))).toEqual({ requestId: 'r7', ping: { serverTime: '2026-12-06T09:00:00.123Z' } });
  });
});
