// Loads janode (Janus's own Node client; ESM only) into this CommonJS service, with the few types of it
// the bridge uses (janode ships none).
//
// janode's entry point imports its Unix-socket transport, which imports unix-dgram, a native addon:
// built by `npm ci` where a C++ toolchain is (scripts/install-deps.sh), never in the images (their
// installs are --ignore-scripts), where loading it would throw. The bridge speaks to Janus over
// WebSockets only, so unix-dgram's module is pre-filled with a stand-in that refuses, before janode
// is imported; janode finds it in the CommonJS cache and the addon is never loaded anywhere.
import Module from 'node:module';

export interface JanodeHandle {
  id: number;
  message(body: Record<string, unknown>, jsep?: unknown): Promise<JanusMessage>;
  detach(): Promise<void>;
  on(event: string, listener: (data: unknown) => void): void;
}

export interface JanodeSession {
  id: number;
  attach(plugin: { id: string; Handle: unknown }): Promise<JanodeHandle>;
  destroy(): Promise<void>;
  once(event: string, listener: (data: unknown) => void): void;
}

export interface JanodeConnection {
  create(keepAliveSeconds?: number): Promise<JanodeSession>;
  sendRequest(request: Record<string, unknown>): Promise<JanusMessage>;
  close(): Promise<void>;
  once(event: string, listener: (data: unknown) => void): void;
}

export interface JanusMessage {
  janus: string;
  plugindata?: { plugin: string; data: Record<string, unknown> };
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface Janode {
  connect(config: { address: { url: string; apisecret?: string }; is_admin?: boolean; retry_time_secs?: number; max_retries?: number }): Promise<JanodeConnection>;
  Logger: { setLevel(level: string): string };
  EVENT: Record<string, string>;
}

export interface JanodeModules {
  janode: Janode;
  streaming: { id: string; Handle: unknown };
  videoroom: { id: string; Handle: unknown };
}

let loaded: Promise<JanodeModules> | undefined;

function standInForUnixDgram(): void {
  let path: string;
  try {
    path = require.resolve('unix-dgram');
  } catch {
    return; // not installed at all: janode's import then fails and says so
  }
  if (require.cache[path]) return;
  const stand = new Module(path);
  stand.filename = path;
  stand.loaded = true;
  stand.exports = {
    createSocket() {
      throw new Error('janode unix-socket transport is not available in rtcroom (no native unix-dgram): use ws:// Janus URLs');
    },
  };
  require.cache[path] = stand;
}

/** janode and its streaming and VideoRoom plugins, loaded once. */
export function loadJanode(): Promise<JanodeModules> {
  loaded ??= (async () => {
    standInForUnixDgram();
    const [janode, streaming, videoroom] = await Promise.all([import('janode'), import('janode/plugins/streaming'), import('janode/plugins/videoroom')]);
    const modules: JanodeModules = { janode: janode.default, streaming: streaming.default, videoroom: videoroom.default };
    modules.janode.Logger.setLevel('none');
    return modules;
  })();
  return loaded;
}
