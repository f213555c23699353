// Typed gRPC clients of the services the commands call, made on first use from the flags and the
// environment, and the failures of a call turned into CliErrors (a reason and an exit status).
import { isIP } from 'node:net';
import { AsyncClient, ConfigError, createClient, fromServiceError, GrpcTlsConfig, tcpUnreachable } from '@rtcroom/common';
import { deskServicev1, roomServicev1, tokenv1, webhookv1 } from '@rtcroom/proto';
import { CliError, exitStatus, usageError } from './cli-error';
import { CliEnvironment, loadCliEnvironment } from './config';
import type { FlagValues } from './command-tree';

type Definition = Parameters<typeof createClient>[0];

/** Where a call goes: the service's name for messages, and its address. */
interface Target {
  what: string;
  address: string;
  variable: string;
  flag: string;
}

export class Connection {
  private readonly clients: { close(): void }[] = [];
  private readonly timeoutMs: number;
  private readonly room: Target;
  private readonly token: Target;
  private readonly tls: GrpcTlsConfig | undefined;
  private readonly insecure: boolean;

  constructor(flags: FlagValues, env: NodeJS.ProcessEnv = process.env) {
    const str = (name: string) => flags[name] as string | undefined;
    // The flags stand in for their variables, so a bad one is named the same way.
    let cli: CliEnvironment;
    try {
      cli = loadCliEnvironment({
        ...env,
        ...(str('address') !== undefined ? { ROOM_SERVICE_ADDRESS: str('address') } : {}),
        ...(str('token-address') !== undefined ? { TOKEN_SERVICE_ADDRESS: str('token-address') } : {}),
        ...(str('ca') !== undefined ? { GRPC_TLS_CA: str('ca') } : {}),
        ...(str('cert') !== undefined ? { GRPC_TLS_CERT: str('cert') } : {}),
        ...(str('key') !== undefined ? { GRPC_TLS_KEY: str('key') } : {}),
      });
    } catch (err) {
      throw asConfigError(err);
    }
    const timeout = str('timeout');
    if (timeout !== undefined && !/^[1-9]\d{0,6}$/.test(timeout)) throw usageError(`--timeout must be a whole number of milliseconds, got "${timeout}"`);
    this.timeoutMs = timeout ? Number(timeout) : 10_000;
    this.room = { what: 'room service', address: cli.roomServiceAddress, variable: 'ROOM_SERVICE_ADDRESS', flag: '--address' };
    this.token = { what: "gateway's TokenService", address: cli.tokenServiceAddress, variable: 'TOKEN_SERVICE_ADDRESS', flag: '--token-address' };
    this.tls = cli.tls;
    this.insecure = flags.insecure === true || cli.insecure;
  }

  rooms() {
    return this.client(roomServicev1.RoomServiceService, this.room);
  }

  webhooks() {
    return this.client(webhookv1.WebhookServiceService, this.room);
  }

  desk() {
    return this.client(deskServicev1.DeskServiceService, this.room);
  }

  tokens() {
    return this.client(tokenv1.TokenServiceService, this.token);
  }

  close(): void {
    for (const c of this.clients.splice(0)) c.close();
  }

  private client<D extends Definition>(definition: D, target: Target): AsyncClient<D> {
    if (!this.tls && !this.insecure && !isLoopback(target.address)) {
      // Administration in the clear across a network is what an attacker hopes for: say so.
      throw new CliError(
        'TLS_REQUIRED',
        `${target.address} is not this machine: give an internal certificate (--ca, --cert, --key or GRPC_TLS_CA, GRPC_TLS_CERT, GRPC_TLS_KEY), or --insecure for plain gRPC`,
        exitStatus.config,
      );
    }
    let client: AsyncClient<D>;
    try {
      // One call at a time: plain unary calls (no mux stream to set up).
      client = createClient(definition, target.address, this.timeoutMs, { tls: this.tls, mux: false });
    } catch (err) {
      throw asConfigError(err);
    }
    this.clients.push(client);
    return withFailuresExplained(client, target);
  }
}

function isLoopback(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function asConfigError(err: unknown): unknown {
  return err instanceof ConfigError ? new CliError('CONFIG', err.message.replace(/^configuration: /, ''), exitStatus.config, { cause: err }) : err;
}

/** The client, whose failed calls reject with a CliError: the service's reason, or what was unreachable. */
function withFailuresExplained<D extends Definition>(client: AsyncClient<D>, target: Target): AsyncClient<D> {
  return new Proxy(client, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver);
      if (typeof value !== 'function' || prop === 'close') return value;
      return async (...args: unknown[]) => {
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
        } catch (err) {
          throw await explained(err, target);
        }
      };
    },
  });
}

async function explained(err: unknown, target: Target): Promise<unknown> {
  if (err instanceof CliError || (err instanceof Error && err.name === 'AbortError')) return err;
  const e = fromServiceError(err);
  if (e.reason === 'UNAVAILABLE') {
    // UNAVAILABLE is also what a service answers about another it could not reach: only nothing at
    // the address is "start it first".
    const why = await tcpUnreachable(target.address);
    if (why) {
      return new CliError('UNREACHABLE', `no ${target.what} at ${target.address} (${why}); start it (\`npm run up\` in development) or give ${target.flag} / ${target.variable}`, exitStatus.unreachable, { cause: err });
    }
    return new CliError('UNAVAILABLE', `${target.what} at ${target.address}: ${e.message}`, exitStatus.unreachable, { cause: err });
  }
  return new CliError(e.reason, e.message, exitStatus.refused, { cause: err });
}
