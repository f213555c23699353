// What every service's main.ts does: read config from the environment, start, stop on a signal.
// A bad configuration exits with code 2 and a message naming the variable.
import { ConfigError, Env, TracingConfig } from './config';
import { createLogger, Logger, LogLevel } from './logger';
import { RunningTracing, startTracing } from './tracing/start-tracing';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * A started service: what it listens on, by the variable that set each address, with a port 0
 * replaced by the port the system gave it (ROOM_GRPC_ADDRESS=127.0.0.1:0 -> 127.0.0.1:41234).
 */
export interface RunningService extends Stoppable {
  listening: Record<string, string>;
}

/**
 * Sent once to a parent process that started the service with an IPC channel (child_process.fork,
 * or spawn with 'ipc' in stdio), when everything listens and serves: how a supervisor or a test
 * learns where a service bound port 0, without picking ports for it (which another process may take
 * before the service binds them).
 */
export interface ReadyMessage {
  type: 'rtcroom.ready';
  service: string;
  pid: number;
  listening: Record<string, string>;
}

export function isReadyMessage(message: unknown): message is ReadyMessage {
  return typeof message === 'object' && message !== null && (message as ReadyMessage).type === 'rtcroom.ready';
}

export function runMain<C extends { logLevel: LogLevel; tracing?: TracingConfig }>(
  service: string,
  loadConfig: (env: Env) => C,
  start: (config: C, logger: Logger) => Promise<RunningService>,
): void {
  let logger: Logger | undefined;
  const boot = async () => {
    const config = loadConfig(process.env);
    logger = createLogger({ service }, config.logLevel);
    // Before anything else starts, so the first call is traced already (off: nothing is loaded).
    const tracing: RunningTracing | undefined = config.tracing ? await startTracing(service, config.tracing, logger) : undefined;
    const running = await start(config, logger);
    logger.info('ready', { listening: running.listening });
    announceReady(service, running.listening);
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger?.info('shutting down', { signal });
      running
        .stop()
        // The spans of the drain go out too.
        .then(() => tracing?.shutdown())
        .then(
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
    const taken = addressInUse(err);
    if (taken) {
      // Not a crash: a setting to change. Name the address and the variable that set it, no stack.
      const variable = Object.keys(process.env).find((name) => name.endsWith('_ADDRESS') && process.env[name] === taken);
      const message = `${taken}${variable ? ` (${variable})` : ''} is in use: stop what listens there, or set ${variable ?? 'its address variable'} to another address (port 0: any free one)`;
      if (logger) logger.error('failed to start: an address is in use', { address: taken, variable });
      process.stderr.write(`${service}: ${message}\n`);
      process.exit(1);
    }
    if (logger) logger.error('failed to start', { err });
    else process.stderr.write(`${service}: ${err?.stack ?? err}\n`);
    process.exit(1);
  });
}

function announceReady(service: string, listening: Record<string, string>): void {
  if (!process.send || !process.connected) return;
  const message: ReadyMessage = { type: 'rtcroom.ready', service, pid: process.pid, listening };
  process.send(message);
  // The channel is there for this one message: it must not keep the process alive.
  process.channel?.unref();
}

/** The address a listen failed on because it is taken (net's EADDRINUSE, or grpc-js's bind error naming it). */
export function addressInUse(err: unknown): string | undefined {
  const e = err as { code?: string; address?: string; port?: number; message?: string } | undefined;
  if (e?.code === 'EADDRINUSE' && e.address) return `${e.address}:${e.port}`;
  return /EADDRINUSE: address already in use (\S+?)\]?$/m.exec(String(e?.message ?? ''))?.[1];
}
