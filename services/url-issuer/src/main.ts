// The url-issuer process: config -> logger -> gRPC server -> signal handlers.
import { ConfigError, createLogger } from '@rtcroom/common';
import { loadUrlIssuerConfig, UrlIssuerConfig } from './config';
import { startUrlIssuer } from './service';

async function main(): Promise<void> {
  let config: UrlIssuerConfig;
  try {
    config = loadUrlIssuerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`url-issuer: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ service: 'url-issuer' }, config.logLevel);
  const running = await startUrlIssuer(config, logger);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping', { signal });
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error('stop failed', { err });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`url-issuer: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
