// Wires the gateway: backends -> event bus -> room fanout -> WebSocket server.
import { EventBus, Logger, openEventBus, startGrpcServer } from '@rtcroom/common';
import { connectBackends } from './backends';
import { GatewayConfig } from './config';
import { CallFanout } from './fanout/call-fanout';
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
  server: GatewayServer;
  stop(): Promise<void>;
}

export async function startGateway(config: GatewayConfig, logger: Logger, deps: { bus?: EventBus } = {}): Promise<RunningGateway> {
  const backends = connectBackends(
    { room: config.roomServiceAddress, presence: config.presenceServiceAddress, urls: config.urlIssuerAddress },
    config.grpcSecurity.tls,
  );
  const bus = deps.bus ?? (await openEventBus(config.natsUrl, `rtcroom-gateway-${config.gatewayId}`, [], logger));
  const fanout = new RoomFanout(bus, backends, logger);
  await fanout.start();
  const calls = new CallFanout(bus, backends.urls, logger);
  await calls.start();
  const server = new GatewayServer(config, backends, fanout, calls, logger);
  const address = await server.listen();
  const grpc = await startGrpcServer(config.grpcAddress, [tokenGrpcBinding(config.accessTokenKeys)], logger, config.grpcSecurity, config.grpcMux);
  const url = `ws://${address}${websocketPath}`;
  logger.info('gateway listening', { url, gatewayId: config.gatewayId });
  return {
    address,
    url,
    grpcAddress: grpc.address,
    server,
    async stop() {
      grpc.notServing(); // first: probes see it while the clients are sent away
      await server.stop();
      await grpc.stop();
      fanout.stop();
      calls.stop();
      if (!deps.bus) await bus.close();
      backends.close();
    },
  };
}
