// The design floor's second process (`--floor-design`): what any implementation of rtcroom's fixed
// design must do per room change, and nothing more. The hub sends each change over one gRPC stream
// (the cheapest gRPC: raw bytes, no generated code); the store writes it to Postgres in one prepared
// statement (the room's seq, the member's row and the event row, one commit), answers, and publishes
// the event to JetStream with a de-duplication id, in the room's order. No outbox relay, no version
// check, no hooks, no metrics: what is left is the messages the design needs (a call and its answer,
// a statement and its result, a publish and its acknowledgement, the delivery to the hub), so the
// bench can tell what rtcroom spends beyond them.
import * as grpc from '@grpc/grpc-js';
import { connect, type JetStreamClient, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { Pool } from 'pg';

/** One room change as the hub sends it. */
export interface StoreWrite {
  /** The request's id on the stream (answers come back with it). */
  i: number;
  /** Room id, the change's seq in the room, and its kind. */
  r: string;
  s: number;
  k: 'join' | 'leave' | 'stream';
  /** The member: id, identity, and its state after the change. */
  m: string;
  u: string;
  st: string;
  /** The notice as the hub sends it to the room's members (the event's payload). */
  n: string;
}

export interface StoreAnswer {
  i: number;
  /** Why the write failed, if it did. */
  e?: string;
}

const identity = (b: Buffer) => b;
/** One bidirectional stream of raw JSON messages: the hub's writes in, the answers out. */
export const storeService = {
  write: {
    path: '/rtcroom.bench.FloorStore/Write',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies grpc.ServiceDefinition;

/** The subjects of a run's events: `<prefix>.room.<roomId>`. */
export const roomSubject = (prefix: string, roomId: string) => `${prefix}.room.${roomId}`;
export const streamName = (prefix: string) => prefix.toUpperCase();

const schema = [
  'create table if not exists floor_rooms (id text primary key, seq bigint not null)',
  `create table if not exists floor_members (member_id text primary key, room_id text not null, identity text not null,
     state text not null, joined_at timestamptz not null default now(), left_at timestamptz)`,
  `create table if not exists floor_events (room_id text not null, seq bigint not null, payload text not null,
     created_at timestamptz not null default now(), primary key (room_id, seq))`,
];

// One statement per change, prepared once per connection: the room's row, the member's row and the event.
const joinSql = `with r as (insert into floor_rooms (id, seq) values ($1, $2) on conflict (id) do update set seq = excluded.seq returning id),
  m as (insert into floor_members (member_id, room_id, identity, state) select $3, $1, $4, $5 from r),
  e as (insert into floor_events (room_id, seq, payload) select $1, $2, $6 from r)
  select count(*)::int as n from r`;
const changeSql = `with r as (update floor_rooms set seq = $2 where id = $1 returning id),
  m as (update floor_members set state = $5, left_at = case when $5 = 'left' then now() else left_at end where member_id = $3 and identity = $4),
  e as (insert into floor_events (room_id, seq, payload) select $1, $2, $6 from r)
  select count(*)::int as n from r`;

export interface FloorStoreOptions {
  address: string;
  databaseUrl: string;
  natsUrl: string;
  /** Subject prefix and (upper-cased) stream name of this run's events. */
  prefix: string;
}

export class FloorStore {
  private readonly server = new grpc.Server();
  private readonly pool: Pool;
  private nats: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  /** Per room, the last change under way: a room's changes are written and published in order. */
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: FloorStoreOptions) {
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 10 });
  }

  async start(): Promise<void> {
    for (const statement of schema) await this.pool.query(statement);
    this.nats = await connect({ servers: this.options.natsUrl, name: 'floor-store' });
    const jsm = await this.nats.jetstreamManager();
    await jsm.streams.add({
      name: streamName(this.options.prefix),
      subjects: [`${this.options.prefix}.room.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: 10 * 60 * 1e9, // a run's events outlive it by minutes at most, should its stop not delete them
      duplicate_window: 2 * 60 * 1e9,
    });
    this.js = this.nats.jetstream();
    this.server.addService(storeService, { write: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => this.serve(call) });
    await new Promise<void>((resolve, reject) =>
      this.server.bindAsync(this.options.address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
    if (this.nats) {
      const jsm = await this.nats.jetstreamManager().catch(() => undefined);
      await jsm?.streams.delete(streamName(this.options.prefix)).catch(() => undefined);
      await this.nats.close();
    }
    await this.pool.end();
  }

  private serve(call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
    call.on('data', (data: Buffer) => {
      const w = JSON.parse(data.toString()) as StoreWrite;
      const answer = (a: StoreAnswer) => call.write(Buffer.from(JSON.stringify(a)));
      const previous = this.chains.get(w.r) ?? Promise.resolve();
      const done = previous.then(() => this.apply(w, answer));
      this.chains.set(w.r, done);
      void done.finally(() => this.chains.get(w.r) === done && this.chains.delete(w.r));
    });
    call.on('error', () => undefined);
    call.on('end', () => call.end());
  }

  /** Writes the change, answers, and publishes its event (the acknowledgement awaited, not the answer). */
  private async apply(w: StoreWrite, answer: (a: StoreAnswer) => void): Promise<void> {
    try {
      const values = [w.r, w.s, w.m, w.u, w.st, w.n];
      const { rows } = await this.pool.query<{ n: number }>({ name: w.k === 'join' ? 'floor_join' : 'floor_change', text: w.k === 'join' ? joinSql : changeSql, values });
      if (rows[0]?.n !== 1) throw new Error(`room ${w.r} was not written`);
    } catch (err) {
      answer({ i: w.i, e: (err as Error).message });
      return;
    }
    answer({ i: w.i });
    // Sent in the room's order (the chain); acknowledged meanwhile.
    this.js!.publish(roomSubject(this.options.prefix, w.r), w.n, { msgID: `${w.r}.${w.s}` }).catch((err: Error) => {
      process.stderr.write(`floor-store: publish of ${w.r}#${w.s} failed: ${err.message}\n`);
    });
  }
}

/** The hub's end of the stream: one write at a time per call, answered in any order. */
export class StoreClient {
  private readonly client: grpc.Client;
  private stream: grpc.ClientDuplexStream<Buffer, Buffer> | undefined;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private next = 1;

  constructor(address: string) {
    const Client = grpc.makeGenericClientConstructor(storeService, 'FloorStore');
    this.client = new Client(address, grpc.credentials.createInsecure());
  }

  /** Resolves once the store answers connections (the hub listens only then). */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())));
  }

  write(w: Omit<StoreWrite, 'i'>): Promise<void> {
    const i = this.next++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(i, { resolve, reject });
      this.open().write(Buffer.from(JSON.stringify({ ...w, i })));
    });
  }

  close(): void {
    this.stream?.end();
    this.client.close();
  }

  private open(): grpc.ClientDuplexStream<Buffer, Buffer> {
    if (this.stream) return this.stream;
    const stream = (this.client as unknown as { write(): grpc.ClientDuplexStream<Buffer, Buffer> }).write();
    stream.on('data', (data: Buffer) => {
      const a = JSON.parse(data.toString()) as StoreAnswer;
      const w = this.waiting.get(a.i);
      this.waiting.delete(a.i);
      if (a.e) w?.reject(new Error(a.e));
      else w?.resolve();
    });
    const broken = (err: Error) => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    stream.on('error', broken);
    stream.on('end', () => broken(new Error('the store ended the stream')));
    this.stream = stream;
    return stream;
  }
}
