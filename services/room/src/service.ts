// Wires the room service: store -> migrations -> bus -> relay and webhooks -> use cases -> gRPC.
import {
  EventBus,
  exportConsumers,
  exportPoolUse,
  grpcMetrics,
  GrpcListener,
  Logger,
  migrateToLatest,
  openDatabase,
  openEventBus,
  RunningMetricsServer,
  ServiceMetrics,
  startGrpcServer,
  startMetricsServer,
  streamsOwnedBy,
  InProcessHub,
} from '@rtcroom/common';
import { Kysely } from 'kysely';
import { Calls } from './calls/application/calls';
import { Desk } from './desk/application/desk';
import { TeamDirectory } from './desk/application/desk-directory';
import { DeskRouting } from './desk/application/desk-routing';
import { Memberships } from './rooms/application/memberships';
import { RoomTransactions } from './changes/room-transaction';
import { Rooms } from './rooms/application/rooms';
import { Timeouts } from './timeouts';
import { RoomConfig } from './config';
import { roomMetrics } from './metrics/room-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { notifyOutbox, outboxChannel } from './outbox/outbox.repository';
import { defaultWebhookOptions, WebhookDispatcher } from './webhooks/webhook-dispatcher';
import { HostResolver, WebhookTargets } from './webhooks/webhook-target';
import { RoomDatabase } from './db/database';
import { roomMigrations } from './db/migrations';
import { PgStore } from './db/pg-store';
import { callGrpcBinding } from './calls/transport/call.grpc';
import { deskGrpcBinding } from './desk/transport/desk.grpc';
import { startRecordingsConsumer } from './rooms/transport/media-recordings.consumer';
import { grpcPresencePort } from './calls/transport/presence.client';
import { roomGrpcBinding } from './rooms/transport/room.grpc';
import { Messages } from './messages/application/messages';
import { grpcPushUrlIssuer } from './rooms/transport/url-issuer.client';
import { webhookGrpcBinding } from './webhooks/webhook.grpc';

export interface RunningRoomService {
  grpcAddress: string;
  /** Where /metrics is served; undefined with ROOM_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  metrics: ServiceMetrics;
  /** Every change to a room goes through here (tests read how each one ran). */
  transactions: RoomTransactions;
  rooms: Rooms;
  members: Memberships;
  calls: Calls;
  desk: Desk;
  /** Webhook delivery (tests run a pass when they need one to have happened). */
  webhooks: WebhookDispatcher;
  /** The database (tests read rows with it). */
  db: Kysely<RoomDatabase>;
  stop(): Promise<void>;
}

export interface RoomServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
  /** How webhook hosts are resolved; else the system's resolver (tests stand in for DNS). */
  webhookResolver?: HostResolver;
  /** Its gRPC port, bound beforehand (startAll binds port 0 and hands the address to the peers); else config.grpcAddress. */
  grpcListener?: GrpcListener;
  /** The services sharing this process (startAll): calls to them, and theirs to this one, run in-process. */
  inproc?: InProcessHub;
}

export async function startRoomService(config: RoomConfig, logger: Logger, deps: RoomServiceDeps = {}): Promise<RunningRoomService> {
  const database = await openDatabase<RoomDatabase>(
    { url: config.databaseUrl, embeddedDataDir: config.embeddedDataDir, poolSize: config.databasePoolSize },
    logger,
  );
  await migrateToLatest(database.db, roomMigrations, 'room_migrations', logger);
  const metrics = new ServiceMetrics('room');
  const grpcCalls = grpcMetrics(metrics);
  const counts = roomMetrics(metrics, database.db);
  exportPoolUse(metrics, database);
  // It declares the streams it publishes to (ROOM_EVENTS, USER_EVENTS); MEDIA_EVENTS is the url-issuer's,
  // which the recordings consumer only binds to.
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-room', streamsOwnedBy('room'), logger, { replicas: config.natsReplicas }));
  const relay = new OutboxRelay(database.db, bus, logger, {
    pollIntervalMs: config.outboxPollIntervalMs,
    listen: database.listen && ((onNotify, onLost) => database.listen!(outboxChannel, onNotify, onLost)),
    notify: database.kind === 'pglite' ? undefined : (shards) => notifyOutbox(database.db, shards),
    shards: config.outboxShards,
    batchSize: 256,
    maxBackoffMs: 5000,
    singleInstance: database.kind === 'pglite',
    onPublished: counts.relayPublished,
  });
  const webhookTargets = new WebhookTargets(config.webhookAllowList, deps.webhookResolver);
  const webhooks = new WebhookDispatcher(database.db, webhookTargets, logger, {
    ...defaultWebhookOptions,
    pollIntervalMs: config.webhookPollIntervalMs,
    minBackoffMs: config.webhookMinBackoffMs,
    maxAttempts: config.webhookMaxAttempts,
  }, counts);
  const issuer = grpcPushUrlIssuer(config.urlIssuerAddress, config.grpcSecurity.tls, grpcCalls, deps.inproc);
  const store = new PgStore(database.db);
  const tx = new RoomTransactions(store, (rows) => {
    counts.committed(rows);
    relay.offer(rows);
    webhooks.notify();
  });
  const rooms = new Rooms(tx, {
    defaultMaxMembers: config.defaultMaxMembers,
    maxMembersCap: config.maxMembersCap,
    defaultEmptyTimeoutSeconds: config.defaultEmptyTimeoutSeconds,
    defaultDepartureTimeoutSeconds: config.defaultDepartureTimeoutSeconds,
  });
  const members = new Memberships(tx, rooms, issuer);
  const messages = new Messages(tx, config.messages);
  const presence = grpcPresencePort(config.presenceServiceAddress, config.grpcSecurity.tls, grpcCalls, deps.inproc);
  const calls = new Calls(tx, rooms, members, presence, config.defaultRingTimeoutSeconds);
  const teams = new TeamDirectory(store.desk);
  const routing = new DeskRouting(tx, calls, presence, teams, logger.child({ component: 'desk' }), { defaultHandlingSeconds: config.deskDefaultHandlingSeconds });
  const desk = new Desk(tx, rooms, members, calls, presence, routing, teams);
  const timeouts = new Timeouts(
    [
      { name: 'rooms', run: () => rooms.closeDue() },
      { name: 'calls', run: () => calls.expireDue() },
      { name: 'desk', run: () => routing.tick() },
    ],
    logger,
    config.autoCloseIntervalMs,
  );
  relay.start();
  webhooks.start();
  timeouts.start();
  const recordings = await startRecordingsConsumer(bus, rooms, desk, logger, config.recordingsConsumerName);
  const grpc = await startGrpcServer(
    deps.grpcListener ?? config.grpcAddress,
    [roomGrpcBinding(rooms, members, messages), callGrpcBinding(calls), deskGrpcBinding(desk), webhookGrpcBinding(database.db, webhookTargets, { deliverSoon: () => webhooks.kick(), sendTest: (w) => webhooks.sendTest(w) })],
    logger,
    config.grpcSecurity,
    config.grpcMux,
    grpcCalls,
    deps.inproc,
  );
  exportConsumers(metrics, () => [recordings]);
  let metricsServer: RunningMetricsServer | undefined;
  try {
    metricsServer = config.metricsAddress === undefined ? undefined : await startMetricsServer(config.metricsAddress, metrics, logger);
  } catch (err) {
    await grpc.stop();
    throw err;
  }
  return {
    grpcAddress: grpc.address,
    metricsAddress: metricsServer?.address,
    metrics,
    transactions: tx,
    rooms,
    members,
    calls,
    desk,
    webhooks,
    db: database.db,
    async stop() {
      await metricsServer?.stop();
      await grpc.stop();
      await recordings.stop();
      await timeouts.stop();
      await routing.stop();
      await webhooks.stop();
      await relay.stop();
      issuer.close();
      presence.close();
      if (!deps.bus) await bus.close();
      await database.close();
    },
  };
}
