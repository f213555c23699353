// JetStream publishes through rtcroom's own reply subscription, against the real NATS: the acks and
// errors are JetStream's (as nats.js's js.publish() gives them), a publish that lands makes no error
// at all, and nats.js itself is left as it is.
import { connect, ErrorCode, NatsConnection, NatsError, StorageType } from 'nats';
import { PrivateNatsServer, testNatsUrl, uniqueTestName } from '../testing';
import { JetStreamPublisher } from './jetstream-publisher';

const stream = uniqueTestName('PUBLISHER_TEST');
const subject = (leaf: string) => `${stream}.${leaf}`;

let nc: NatsConnection;
let publisher: JetStreamPublisher;

beforeAll(async () => {
  nc = await connect({ servers: testNatsUrl });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], storage: StorageType.Memory });
  publisher = new JetStreamPublisher(nc, 2000);
});

afterAll(async () => {
  publisher.close();
  const jsm = await nc.jetstreamManager();
  await jsm.streams.delete(stream).catch(() => undefined);
  await nc.close();
});

afterEach(() => jest.restoreAllMocks());

it("stores a message and answers with JetStream's ack; a repeated message id is stored once", async () => {
  const first = await publisher.publish(subject('a'), Buffer.from('1'), { msgId: 'm1' });
  expect(first).toEqual({ stream, seq: expect.any(Number), duplicate: false });
  const again = await publisher.publish(subject('a'), Buffer.from('1 again'), { msgId: 'm1' });
  expect(again).toEqual({ stream, seq: first.seq, duplicate: true });
  const next = await publisher.publish(subject('a'), Buffer.from('2'));
  expect(next.seq).toBe(first.seq + 1);
  const jsm = await nc.jetstreamManager();
  expect((await jsm.streams.getMessage(stream, { seq: first.seq })).string()).toBe('1');
});

it('keeps many publishes in flight at once, each answered with its own ack', async () => {
  const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish(subject('many'), Buffer.from(String(i)))));
  const seqs = acks.map((a) => a.seq);
  expect(new Set(seqs).size).toBe(200);
});

it('makes no error object for a publish that lands (nats.js makes one after every request)', async () => {
  const errors = jest.spyOn(NatsError, 'errorForCode');
  await Promise.all(Array.from({ length: 20 }, () => publisher.publish(subject('quiet'), Buffer.from('x'))));
  expect(errors).not.toHaveBeenCalled();
});

it('fails as js.publish() does: no stream for the subject (503), a JetStream error with its api_error', async () => {
  await expect(publisher.publish(`${stream}-nowhere.x`, Buffer.from('x'))).rejects.toMatchObject({ code: ErrorCode.NoResponders });
  const refused = publisher.publish(subject('b'), Buffer.from('x'), { headers: { 'Nats-Expected-Stream': 'ANOTHER_STREAM' } });
  await expect(refused).rejects.toBeInstanceOf(NatsError);
  await expect(refused).rejects.toMatchObject({ code: '400', api_error: { code: 400, err_code: expect.any(Number) } });
});

it('fails a publish nobody acks with a timeout naming the subject', async () => {
  const silent = nc.subscribe(`${stream}-silent.>`); // takes the message, never answers
  const quick = new JetStreamPublisher(nc, 100);
  try {
    await expect(quick.publish(`${stream}-silent.x`, Buffer.from('x'))).rejects.toMatchObject({
      code: ErrorCode.Timeout,
      message: expect.stringContaining(`${stream}-silent.x`),
    });
  } finally {
    quick.close();
    silent.unsubscribe();
  }
});

it('fails what waits, and what comes after, once closed', async () => {
  const other = await connect({ servers: testNatsUrl });
  const closing = new JetStreamPublisher(other, 5000);
  const silent = other.subscribe(`${stream}-closing.>`);
  const waiting = closing.publish(`${stream}-closing.x`, Buffer.from('x'));
  await other.flush();
  closing.close();
  await expect(waiting).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
  await expect(closing.publish(subject('c'), Buffer.from('x'))).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
  silent.unsubscribe();
  await other.close();
});

it('fails what waits when its connection closes', async () => {
  const other = await connect({ servers: testNatsUrl });
  const publisherOfOther = new JetStreamPublisher(other, 5000);
  const silent = other.subscribe(`${stream}-lost.>`);
  const waiting = publisherOfOther.publish(`${stream}-lost.x`, Buffer.from('x'));
  await other.flush();
  await other.close();
  await expect(waiting).rejects.toMatchObject({ code: ErrorCode.ConnectionClosed });
  silent.unsubscribe();
});

/** How a publish ended: 'answered', or its error's code. */
const outcomeOf = (publish: Promise<unknown>) =>
  publish.then(
    () => 'answered',
    (err: NatsError) => err.code,
  );

it('fails what waits at once when its server is lost, rather than at the timeout (the client reconnects)', async () => {
  const server = await PrivateNatsServer.start();
  const other = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const lost = new JetStreamPublisher(other, 60_000);
  try {
    other.subscribe('silent.>'); // takes the message, never answers
    await other.flush();
    const outcome = outcomeOf(lost.publish('silent.x', Buffer.from('x')));
    await server.kill();
    const started = Date.now();
    expect(await outcome).toBe(ErrorCode.Disconnect);
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    lost.close();
    await other.close();
    await server.dispose();
  }
});

it('fails what was published while the server was away once the client reconnects (nats.js dropped it)', async () => {
  const server = await PrivateNatsServer.start();
  const other = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const lost = new JetStreamPublisher(other, 60_000);
  /** Resolves at the next status of this type (listening from now on). */
  const next = (type: string) => {
    const statuses = other.status();
    return (async () => {
      for await (const s of statuses) if (s.type === type) return;
    })();
  };
  try {
    const disconnected = next('disconnect');
    await server.kill();
    await disconnected;
    await new Promise((r) => setTimeout(r, 50)); // the publisher has seen it too
    const outcome = outcomeOf(lost.publish('silent.x', Buffer.from('x')));
    const reconnected = next('reconnect');
    await server.resume();
    await reconnected;
    const started = Date.now();
    // Without this it would wait out its timeout (a minute here): nothing stored, nothing answered.
    expect(await outcome).toBe(ErrorCode.Disconnect);
    expect(Date.now() - started).toBeLessThan(10_000);
  } finally {
    lost.close();
    await other.close();
    await server.dispose();
  }
});

it("leaves nats.js's own errors as nats.js makes them, stack and all", () => {
  const cancelled = NatsError.errorForCode(ErrorCode.Cancelled);
  expect(cancelled.stack?.split('\n').some((l) => l.trim().startsWith('at '))).toBe(true);
});
