// Wires the url-issuer: provider from config, handlers, gRPC server. No database, no bus: it only signs.
import { Logger, startGrpcServer } from '@rtcroom/common';
import type { UrlIssuerConfig } from './config';
import { createMediaProvider } from './domain/media-provider';
import { urlIssuerBinding } from './url-issuer.grpc';

export interface RunningUrlIssuer {
  /** The bound address; a port 0 in the config becomes the real port here. */
  grpcAddress: string;
  stop(): Promise<void>;
}

export async function startUrlIssuer(config: UrlIssuerConfig, logger: Logger): Promise<RunningUrlIssuer> {
  const provider = createMediaProvider(config.media);
  const binding = urlIssuerBinding({ provider, streamIdKey: config.streamIdKey });
  const server = await startGrpcServer(config.grpcAddress, [binding], logger);
  logger.info('url-issuer started', { provider: config.media.kind, streamIdPrefix: provider.streamIdPrefix });
  return { grpcAddress: server.address, stop: () => server.stop() };
}
