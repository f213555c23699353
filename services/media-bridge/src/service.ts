// Wires the media bridge: Janus (connected, and reconnected when lost) -> the bridge's state ->
// gRPC handlers, health and metrics -> listen. Stopping drains gRPC, then ends every bridge.
import { mkdir } from 'node:fs/promises';
import { grpcMetrics, GrpcListener, Logger, serveMetrics, ServiceMetrics, startGrpcServer } from '@rtcroom/common';
import { MediaBridge } from './bridge/media-bridge';
import type { MediaBridgeConfig } from './config';
import { JanusGateway } from './janus/janus-gateway';
import { UdpPortPairs } from './media/udp-ports';
import { mediaBridgeBinding } from './transport/media-bridge.grpc';

export interface RunningMediaBridge {
  grpcAddress: string;
  metricsAddress: string | undefined;
  metrics: ServiceMetrics;
  bridge: MediaBridge;
  stop(): Promise<void>;
}

export interface MediaBridgeServiceDeps {
  grpcListener?: GrpcListener;
}

const serviceName = 'rtcroom.media.v1.MediaBridgeService';
/** A Janus that takes the connection and never answers must not hang the start. */
const connectTimeoutMs = 10_000;

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export async function startMediaBridge(config: MediaBridgeConfig, logger: Logger, deps: MediaBridgeServiceDeps = {}): Promise<RunningMediaBridge> {
  await mkdir(config.workDir, { recursive: true });
  const metrics = new ServiceMetrics('media-bridge');
  let janus: JanusGateway | undefined;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  const bridge = new MediaBridge(
    () => janus,
    { ffmpegPath: config.ffmpegPath, ingressVideo: config.ingressVideo, egressVideo: config.egressVideo, janusRtpHost: config.janusRtpHost, rtpHost: config.rtpHost, workDir: config.workDir, pollMs: config.egressPollMs },
    new UdpPortPairs(config.rtpHost, config.rtpPorts),
    logger,
  );

  // The first connection is awaited: a bridge that cannot reach Janus at start says so at once (the
  // process exits and its supervisor retries). Later losses are retried here, with health saying
  // NOT_SERVING meanwhile.
  let setHealth: (serving: boolean) => void = () => undefined;
  const connect = async (): Promise<void> => {
    const connecting = JanusGateway.connect(config.janus, logger.child({ component: 'janus' }));
    const gateway = await withTimeout(connecting, connectTimeoutMs, `Janus at ${config.janus.wsUrl} did not answer within ${connectTimeoutMs} ms`).catch((err) => {
      // Answered too late: that connection is nobody's.
      connecting.then((late) => late.close()).catch(() => undefined);
      throw err;
    });
    gateway.onClosed((why) => {
      if (janus !== gateway) return;
      janus = undefined;
      setHealth(false);
      logger.warn('Janus connection lost: every bridge ended; reconnecting', { why });
      void bridge.janusLost();
      scheduleReconnect();
    });
    janus = gateway;
    setHealth(true);
  };
  const scheduleReconnect = () => {
    if (stopping) return;
    retry = setTimeout(() => {
      connect().catch((err) => {
        logger.warn('Janus still unreachable', { err: err instanceof Error ? err.message : String(err) });
        scheduleReconnect();
      });
    }, config.janusRetryMs);
  };
  await connect();

  const grpc = await startGrpcServer(
    deps.grpcListener ?? config.grpcAddress,
    [mediaBridgeBinding({ bridge, janusHttpUrl: config.janusPublicHttpUrl, janusWsUrl: config.janusPublicWsUrl })],
    logger,
    config.grpcSecurity,
    config.grpcMux,
    grpcMetrics(metrics),
  );
  setHealth = (serving) => {
    if (!stopping) grpc.health.setStatus(serviceName, serving ? 'SERVING' : 'NOT_SERVING');
  };
  metrics.gaugeAtScrape('rtcroom_media_bridges', 'Bridges open now, by direction and state.', ['direction', 'state'], () => {
    const counts = new Map<string, number>();
    for (const b of bridge.list()) counts.set(`${b.direction}\0${b.state}`, (counts.get(`${b.direction}\0${b.state}`) ?? 0) + 1);
    return [...counts].map(([key, value]) => {
      const [direction, state] = key.split('\0');
      return { labels: { direction, state }, value };
    });
  });
  metrics.gaugeAtScrape('rtcroom_media_bridge_janus_connected', 'Whether the bridge holds a Janus connection (1) or is reconnecting (0).', [], () => [{ value: janus ? 1 : 0 }]);
  const metricsServer = await serveMetrics(config.metricsAddress, metrics, logger);
  logger.info('media bridge started', { janus: config.janus.wsUrl, grpc: grpc.address });

  return {
    grpcAddress: grpc.address,
    metricsAddress: metricsServer?.address,
    metrics,
    bridge,
    async stop() {
      stopping = true;
      clearTimeout(retry);
      // Callers first learn to go elsewhere and calls in flight finish; then the media stops.
      await grpc.stop();
      await bridge.stopAll();
      await metricsServer?.stop();
      await janus?.close();
      janus = undefined;
    },
  };
}
