// Token refresh against a scripted gateway: the provider is asked once per warning (not once per
// frame), its token goes out as refreshToken, and a fixed token replaced by the app is the one later
// reconnects present. The real gateway is in test/token-refresh.integration.test.ts.
import { fakeGateway, lastRequest, until, welcome } from '../../test/fake-gateway';
import { RtcRoomClient } from '../client';

async function connected(token: string | (() => string)) {
  const gw = fakeGateway();
  const client = new RtcRoomClient({ socket: gw.adapter, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
  const opened = gw.nextSocket();
  const connecting = client.connect('ws://gw/v1/ws', token);
  const socket = await opened;
  socket.push(welcome());
  await connecting;
  return { gw, client, socket };
}

it('a warning has the provider asked once and its token sent; tokenRefreshed follows the answer', async () => {
  let asked = 0;
  const { client, socket } = await connected(() => `tok-${++asked}`);
  const refreshed: string[] = [];
  client.on('tokenRefreshed', (e) => refreshed.push(e.expireTime));
  socket.push({ tokenExpiring: { expireTime: '2030-01-01T00:00:00Z' } });
  socket.push({ tokenExpiring: { expireTime: '2030-01-01T00:00:00Z' } });
  await until(() => !!lastRequest(socket, 'refreshToken'));
  expect(socket.sent.filter((f) => f.refreshToken)).toEqual([{ requestId: expect.any(String), refreshToken: { accessToken: 'tok-2' } }]);
  socket.push({ requestId: lastRequest(socket, 'refreshToken')!.requestId, refreshToken: { expireTime: '2030-01-01T01:00:00Z' } });
  await until(() => refreshed.length === 1);
  expect(refreshed).toEqual(['2030-01-01T01:00:00Z']);
  expect(asked).toBe(2);
  await client.close();
});

it('a fixed token: the app is told, nothing is sent; the token it refreshes with is used on reconnect', async () => {
  const { gw, client, socket } = await connected('old');
  const told: boolean[] = [];
  client.on('tokenExpiring', (e) => told.push(e.willRefresh));
  socket.push({ tokenExpiring: { expireTime: '2030-01-01T00:00:00Z' } });
  expect(told).toEqual([false]);
  expect(lastRequest(socket, 'refreshToken')).toBeUndefined();

  const refreshing = client.refreshToken('new');
  await until(() => !!lastRequest(socket, 'refreshToken'));
  socket.push({ requestId: lastRequest(socket, 'refreshToken')!.requestId, refreshToken: { expireTime: '2030-01-01T01:00:00Z' } });
  await expect(refreshing).resolves.toEqual({ expireTime: '2030-01-01T01:00:00Z' });

  const next = gw.nextSocket();
  socket.on.close(1006, '');
  expect((await next).url).toContain('access_token=new');
  await client.close();
});
