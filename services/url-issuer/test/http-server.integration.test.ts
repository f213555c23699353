// The url-issuer's HTTP side under bad requests: the real service on the real Postgres answers
// wrong methods, oversized and slow bodies and broken request lines with a 4xx (JSON on Tencent's
// path), and a route that throws is a 500 with a generic body while the server lives on.
import { createTestDatabase, testLogger, TestDatabase } from '@rtcroom/common/testing';
import { rawHttp } from '../../../test/support/raw-http';
import { loadUrlIssuerConfig, nginxRtmpHookPaths, startUrlIssuer, tencentCallbackPath } from '../src';
import { maxBodyBytes, startHttpServer, text } from '../src/transport/http-server';

describe('the url-issuer over HTTP', () => {
  let database: TestDatabase;
  let running: Awaited<ReturnType<typeof startUrlIssuer>>;
  const url = (path: string) => `http://${running.httpAddress}${path}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadUrlIssuerConfig({
      RTCROOM_DEV: 'true',
      URL_ISSUER_GRPC_ADDRESS: '127.0.0.1:0', URL_ISSUER_METRICS_ADDRESS: '127.0.0.1:0',
      URL_ISSUER_HTTP_ADDRESS: '127.0.0.1:0',
      DATABASE_URL: database.url,
      STREAM_ID_KEY: 'http-stream-id-key-0123456789',
      MEDIA_SIGNING_KEY: 'http-signing-key-0123456789',
      TENCENT_CALLBACK_KEY: 'http-callback-key',
    });
    running = await startUrlIssuer(config, testLogger('url-issuer'), {
      members: { byStream: async () => null, seated: async () => null },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await database?.drop();
  });

  it('answers a wrong method 405 with Allow, in JSON on the Tencent path', async () => {
    const hook = await fetch(url(nginxRtmpHookPaths.onPublish));
    expect(hook.status).toBe(405);
    expect(hook.headers.get('allow')).toBe('POST');
    expect((await hook.text()).trim()).toBe('METHOD_NOT_ALLOWED');
    const tencent = await fetch(url(tencentCallbackPath), { method: 'PUT', body: '{}' });
    expect(tencent.status).toBe(405);
    expect(await tencent.json()).toEqual({ code: 1, message: 'METHOD_NOT_ALLOWED' });
    expect((await fetch(url('/healthz'), { method: 'DELETE' })).headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(url('/healthz'), { method: 'HEAD' })).status).toBe(200);
  });

  it('answers bodies over the limit 413, declared or streamed, and malformed JSON 400', async () => {
    const big = 'x'.repeat(maxBodyBytes + 1);
    const declared = await fetch(url(tencentCallbackPath), { method: 'POST', body: big });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ code: 1, message: 'BODY_TOO_LARGE' });
    // Chunked: no length to refuse up front, so the server counts.
    const chunks = [`POST ${tencentCallbackPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`];
    for (let i = 0; i < 20; i++) chunks.push(`1000\r\n${'y'.repeat(0x1000)}\r\n`);
    expect((await rawHttp(running.httpAddress, chunks)).status).toBe(413);
    const notJson = await fetch(url(tencentCallbackPath), { method: 'POST', body: '{"t":' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ code: 1, message: 'MALFORMED_JSON' });
  });

  it('answers broken request lines, targets and encodings with 4xx', async () => {
    const cases = [
      'GARBAGE\r\n\r\n',
      `GET * HTTP/1.1\r\nHost: x\r\n\r\n`,
      `POST //${tencentCallbackPath} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`,
      `POST ${tencentCallbackPath} HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n`,
      `POST ${tencentCallbackPath} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
      `POST ${nginxRtmpHookPaths.onPlay} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 25\r\n\r\nname=%E0%A4%A&constructor`,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX: ${'h'.repeat(20_000)}\r\n\r\n`,
    ];
    for (const request of cases) {
      const res = await rawHttp(running.httpAddress, [request]);
      expect({ request: request.slice(0, 60), status: res.status }).toEqual({ request: request.slice(0, 60), status: expect.any(Number) });
      expect(res.status! >= 400 && res.status! < 500).toBe(true);
    }
    expect((await fetch(url('/healthz'))).status).toBe(200);
  });
});

describe('the HTTP server of the url-issuer', () => {
  it('answers a route that throws 500 with a generic body, cuts slow bodies off with 408, and lives on', async () => {
    const server = await startHttpServer(
      '127.0.0.1:0',
      {
        '/boom': { methods: { POST: async () => Promise.reject(new Error('secret detail at /srv/x.ts:12')) } },
        '/ok': { methods: { GET: async () => text(200, 'ok') } },
      },
      testLogger('http'),
      { headersTimeoutMs: 500, requestTimeoutMs: 800, keepAliveTimeoutMs: 500 },
    );
    try {
      const boom = await fetch(`http://${server.address}/boom`, { method: 'POST', body: 'x' });
      expect(boom.status).toBe(500);
      expect((await boom.text()).trim()).toBe('INTERNAL');
      // A body that stops half way, and headers that never end: cut off, not waited for.
      const slowBody = rawHttp(server.address, ['POST /boom HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf'], { waitMs: 10_000 });
      const slowHeaders = rawHttp(server.address, ['GET /ok HTTP/1.1\r\nHost: x\r\n'], { waitMs: 10_000 });
      expect((await fetch(`http://${server.address}/ok`)).status).toBe(200);
      for (const res of await Promise.all([slowBody, slowHeaders])) {
        expect(res.ended).not.toBe('waited');
        if (res.status !== undefined) expect(res.status).toBe(408);
      }
    } finally {
      await server.stop();
    }
  });
});
