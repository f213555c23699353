// Wires the gateway: backends -> event bus -> room fanout -> WebSocket server.
import { EventBus, grpcMetrics, Logger, openEventBus, serveMetrics, ServiceMetrics, startGrpcServer, InProcessHub } from '@rtcroom/common';
import { connectBackends } from './backends';
import { GatewayConfig } from './config';
import { CallFanout } from './fanout/call-fanout';
import { GatewayMetrics } from './gateway-metrics';
import { RoomFanout } from './fanout/room-fanout';
import { tokenGrpcBinding } from './token.grpc';
import { GatewayServer, websocketPath } from './ws/gateway-server';

export interface RunningGateway {
  /** host:port it listens on. */
  address: string;
  /** ws://host:port/v1/ws */
  url: string;
  /** The internal gRPC port (TokenService). */
  grpcAddress: string;
  /** Where /metrics is served; undefined with GATEWAY_METRICS_ADDRESS=off. */
  metricsAddress: string | undefined;
  metrics: ServiceMetrics;
  server: GatewayServer;
  stop(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, logger: Logger, deps: { bus?: EventBus; inproc?: InProcessHub } = {}): Promise<RunningGateway> {
  const metrics = new ServiceMetrics('gateway');
  const grpcCalls = grpcMetrics(metrics);
  // The server is made after the fan-out it is handed, which already counts into these.
  let openConnections = () => 0;
  let subscriptions = () => ({ rooms: 0, identities: 0 });
  let opensWaiting = () => 0;
  const gatewayMetrics = new GatewayMetrics(metrics, () => openConnections(), () => subscriptions(), () => opensWaiting());
  // Bound first: a taken port fails the start before anything else is opened.
  const metricsServer = await serveMetrics(config.metricsAddress, metrics, logger);
  const backends = connectBackends(
    { room: config.roomServiceAddress, presence: config.presenceServiceAddress, urls: config.urlIssuerAddress },
    config.grpcSecurity.tls,
    grpcCalls,
    deps.inproc,
  );
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, `rtcroom-gateway-${config.gatewayId}`, [], logger));
  const fanout = new RoomFanout(bus, backends, logger, gatewayMetrics);
  await fanout.start();
  const calls = new CallFanout(bus, backends.urls, logger, gatewayMetrics);
  subscriptions = () => ({ rooms: fanout.stats().subscriptions, identities: calls.subscriptions });
  const server = new GatewayServer(config, backends, fanout, calls, logger, gatewayMetrics);
  openConnections = () => server.connectionCount;
  opensWaiting = () => server.openGate.waiting;
  const address = await server.listen();
  const grpc = await startGrpcServer(config.grpcAddress, [tokenGrpcBinding(config.accessTokenKeys)], logger, config.grpcSecurity, config.grpcMux, grpcCalls, deps.inproc);
  const url = `ws://${address}${websocketPath}`;
  logger.info('gateway listening', { url, gatewayId: config.gatewayId });
  return {
    address,
    url,
    grpcAddress: grpc.address,
    metricsAddress: metricsServer?.address,
    metrics,
    server,
    async stop() {
      grpc.notServing(); // first: probes see it while the clients are sent away
      await server.stop();
      await grpc.stop();
      fanout.stop();
      calls.stop();
      if (!deps.bus) await bus.close();
      backends.close();
      await metricsServer?.stop();
    },
  };
}
