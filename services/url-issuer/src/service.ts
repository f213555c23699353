// Wires the url-issuer: provider from config -> store and migrations -> bus -> room lookups ->
// media hooks and callbacks (HTTP) -> URL signing and recordings (gRPC).
import {
  EventBus,
  exportPoolUse,
  grpcMetrics,
  GrpcListener,
  Logger,
  migrateToLatest,
  openDatabase,
  openEventBus,
  serveMetrics,
  ServiceMetrics,
  startGrpcServer,
  streamsOwnedBy,
  InProcessHub,
} from '@rtcroom/common';
import { NginxRtmpHooks } from './app/nginx-rtmp-hooks';
import { RecordingKeeper } from './app/recording-keeper';
import { TencentCallbacks } from './app/tencent-callbacks';
import { viewMediaRoom } from './app/media-room-view';
import { MediaRoomControl, TrtcCallbacks } from './app/trtc-callbacks';
import type { UrlIssuerConfig } from './config';
import type { MemberDirectory, RoomSeats } from './domain/member-directory';
import { createMediaProvider, WebRtcLeg } from './domain/media-provider';
import { recordingUrlSigner } from './domain/recording-url';
import { MediaFactOutbox } from './events/media-fact-outbox';
import { urlIssuerMetrics } from './url-issuer-metrics';
import { startBridgeReleaseConsumer } from './events/bridge-release.consumer';
import { startRoomEventsConsumer } from './events/room-events.consumer';
import { remuxToMp4 } from './media-server/recording-remux';
import { trtcApi } from './media-server/trtc-api';
import { tlsSigTickets } from './media-server/trtc-tickets';
import type { UrlIssuerDatabase } from './store/database';
import { forgetExpiredCallbackSigns, pgSignLedger } from './store/callback-sign.repository';
import { forgetFactsBefore, pgFactMemory } from './store/media-fact.repository';
import { forgetOldTrtcRecords, pgTrtcRoster } from './store/trtc-room.repository';
import { urlIssuerMigrations } from './store/migrations';
import { startHttpServer } from './transport/http-server';
import { mediaHookEndpoints } from './transport/media-hooks.http';
import { mediaBridgeLeg } from './transport/media-bridge.client';
import { grpcMemberDirectory } from './transport/room.client';
import { urlIssuerBinding } from './url-issuer.grpc';

export interface RunningUrlIssuer {
  /** The bound address; a port 0 in the config becomes the real port here. */
  grpcAddress: string;
  /** Where the media server hooks and callbacks are received (host:port). */
  httpAddress: string;
  /** Where /metrics is served; undefined with URL_ISSUER_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  metrics: ServiceMetrics;
  stop(): Promise<void>;
}

export interface UrlIssuerServiceDeps {
  /** A bus shared with other in-process services (the embedded default); else one is opened from config. */
  bus?: EventBus;
  /** Who owns streams and who is seated; else the room service at ROOM_SERVICE_ADDRESS is asked. */
  members?: MemberDirectory & Partial<RoomSeats>;
  /** TRTC's server API; else the one configured (TRTC_API_*), if any. */
  mediaRoomControl?: MediaRoomControl;
  /** Its gRPC port, bound beforehand (startAll binds port 0 and hands the address to the peers); else config.grpcAddress. */
  grpcListener?: GrpcListener;
  /** The services sharing this process (startAll): calls to them, and theirs to this one, run in-process. */
  inproc?: InProcessHub;
  /** A self-hosted deployment's WebRTC side (a media bridge): browser members' URLs come from it. */
  webrtc?: WebRtcLeg;
}

/** Tencent retries a callback for minutes; a week of remembered facts is far beyond that. */
const factMemoryMs = 7 * 24 * 3600 * 1000;

export async function startUrlIssuer(config: UrlIssuerConfig, logger: Logger, deps: UrlIssuerServiceDeps = {}): Promise<RunningUrlIssuer> {
  const stops: (() => Promise<void> | void)[] = [];
  const metrics = new ServiceMetrics('url-issuer');
  const grpcCalls = grpcMetrics(metrics);
  const tickets = config.media.kind === 'trtc' ? tlsSigTickets(config.media.sdkAppId, config.media.secretKey) : undefined;
  let webrtc = deps.webrtc;
  let bridge: ReturnType<typeof mediaBridgeLeg> | undefined;
  if (!webrtc && config.mediaBridgeAddress) {
    // The bridge pulls and pushes with the provider's own RTMP URLs, signed by the provider without its WebRTC side.
    const leg = mediaBridgeLeg(config.mediaBridgeAddress, createMediaProvider(config.media), { tls: config.grpcSecurity.tls, metrics: grpcCalls, inproc: deps.inproc });
    stops.push(() => leg.close());
    webrtc = bridge = leg;
  }
  const provider = createMediaProvider(config.media, webrtc, tickets);
  // In reverse order of starting: listeners first, the store last.
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await Promise.resolve(stop()).catch((err) => logger.warn('stop step failed', { err }));
  };
  try {
    const store = await openDatabase<UrlIssuerDatabase>(
      { url: config.databaseUrl, embeddedDataDir: config.embeddedDataDir, poolSize: config.databasePoolSize },
      logger,
    );
    stops.push(() => store.close());
    exportPoolUse(metrics, store);
    if (!config.databaseUrl && !config.embeddedDataDir) logger.warn('recordings are kept in memory only: set DATABASE_URL to keep them');
    await migrateToLatest(store.db, urlIssuerMigrations, 'url_issuer_migrations', logger);
    const bus = deps.bus ?? (await openEventBus(config.natsUrl, 'rtcroom-url-issuer', streamsOwnedBy('url-issuer'), logger, { replicas: config.natsReplicas }));
    if (!deps.bus) stops.push(() => bus.close());
    let members = deps.members;
    if (!members) {
      const rooms = grpcMemberDirectory(config.roomServiceAddress, undefined, config.grpcSecurity.tls, grpcCalls, deps.inproc);
      stops.push(() => rooms.close());
      members = rooms;
    }

    const sink = new MediaFactOutbox(store.db, bus, logger.child({ component: 'media-facts' }));
    await sink.start();
    stops.push(() => sink.stop());
    urlIssuerMetrics(metrics, sink);
    const recordings = new RecordingKeeper(store.db, sink, logger);
    const media = config.media;
    const nginx =
      media.kind === 'self-hosted'
        ? new NginxRtmpHooks({ signingKey: media.signingKey, app: media.app, recordApp: media.recordApp }, members, sink, recordings, logger.child({ component: 'nginx-rtmp' }), {
            recordUrlBase: config.recordUrlBase,
            remux: config.recordRemuxMp4 ? (path) => remuxToMp4(path) : null,
          })
        : null;
    if (media.kind === 'tencent' && !config.tencentCallbackKey) {
      logger.warn('TENCENT_CALLBACK_KEY is not set: Tencent stream callbacks are refused, stream facts come only from clients');
    }
    const tencent = new TencentCallbacks(
      { callbackKey: config.tencentCallbackKey, maxExpirySeconds: config.tencentCallbackExpiryWindowSeconds },
      members,
      sink,
      recordings,
      pgFactMemory(store.db),
      pgSignLedger(store.db),
      logger.child({ component: 'tencent' }),
    );
    const roster = pgTrtcRoster(store.db);
    const control = deps.mediaRoomControl ?? (config.trtcApi ? trtcApi(config.trtcApi) : null);
    if (media.kind === 'trtc' && !control) logger.warn('TRTC_API_SECRET_ID is not set: departures and closed rooms do not reach the TRTC room (development only)');
    const trtc =
      media.kind === 'trtc'
        ? new TrtcCallbacks(
            { callbackKey: config.trtcCallbackKey, sdkAppId: media.sdkAppId, maxAgeMs: config.trtcCallbackMaxAgeSeconds * 1000, maxSkewMs: 60_000 },
            members,
            sink,
            roster,
            control,
            logger.child({ component: 'trtc' }),
          )
        : null;
    if (media.kind === 'trtc' && !config.trtcCallbackKey) logger.warn('TRTC_CALLBACK_KEY is not set: TRTC callbacks are refused, stream facts come only from clients');
    const seats = members.seatedMembers ? (members as RoomSeats) : null;
    const mediaRoom = media.kind === 'trtc' && seats ? (roomId: string) => viewMediaRoom(roomId, roster, seats) : undefined;
    const http = await startHttpServer(config.httpAddress, mediaHookEndpoints(nginx, tencent, trtc), logger);
    stops.push(() => http.stop());

    const grpc = await startGrpcServer(
      deps.grpcListener ?? config.grpcAddress,
      [urlIssuerBinding({ provider, streamIdKey: config.streamIdKey, recordings, mediaRoom, logger, signRecordingUrl: recordingUrlSigner(media) })],
      logger,
      config.grpcSecurity,
      config.grpcMux,
      grpcCalls,
      deps.inproc,
    );
    stops.push(() => grpc.stop());
    if (media.kind === 'trtc' && control) {
      const consumer = await startRoomEventsConsumer(bus, control, logger.child({ component: 'trtc-rooms' }), config.roomEventsConsumer);
      stops.push(() => consumer.stop());
    }
    if (bridge) {
      const consumer = await startBridgeReleaseConsumer(bus, bridge, logger.child({ component: 'media-bridge' }), `${config.roomEventsConsumer}-bridges`);
      stops.push(() => consumer.stop());
    }
    const metricsServer = await serveMetrics(config.metricsAddress, metrics, logger);
    if (metricsServer) stops.push(() => metricsServer.stop());

    const pruner = setInterval(() => {
      forgetFactsBefore(store.db, new Date(Date.now() - factMemoryMs)).catch((err) => logger.warn('could not forget old media facts', { err }));
      forgetOldTrtcRecords(store.db, new Date(), factMemoryMs).catch((err) => logger.warn('could not forget old trtc records', { err }));
    }, 3600_000);
    pruner.unref();
    stops.push(() => clearInterval(pruner));
    // Pairs live only until their t: at most the expiry window's worth of callbacks is kept.
    const signPruner = setInterval(() => {
      forgetExpiredCallbackSigns(store.db, new Date()).catch((err) => logger.warn('could not forget expired callback signs', { err }));
    }, 60_000);
    signPruner.unref();
    stops.push(() => clearInterval(signPruner));

    logger.info('url-issuer started', { provider: media.kind, streamIdPrefix: provider.streamIdPrefix, hooks: http.address });
    return { grpcAddress: grpc.address, httpAddress: http.address, metricsAddress: metricsServer?.address, metrics, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
