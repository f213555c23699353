// What every service's main.ts does: read config from the environment, start, stop on a signal.
// A bad configuration exits with code 2 and a message naming the variable.
import { ConfigError, Env } from './config';
import { createLogger, Logger, LogLevel } from './logger';

export interface Stoppable {
  stop(): Promise<void>;
}

export function runMain<C extends { logLevel: LogLevel }>(
  service: string,
  loadConfig: (env: Env) => C,
  start: (config: C, logger: Logger) => Promise<Stoppable>,
): void {
  let logger: Logger | undefined;
  const boot = async () => {
    const config = loadConfig(process.env);
    logger = createLogger({ service }, config.logLevel);
    const running = await start(config, logger);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info('shutting down', { signal });
      running.stop().then(
        () => process.exit(0),
        (err) => {
          logger?.error('shutdown failed', { err });
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  };
  boot().catch((err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(2);
    }
    if (logger) logger.error('failed to start', { err });
    else process.stderr.write(`${service}: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
