// Starts a Janus of a test's own: its own configuration directory, listening on 127.0.0.1 only
// (Janus API over WebSocket and HTTP, admin API over WebSocket), ICE on loopback only with no STUN or
// TURN, stored-token authentication on, an api_secret for the bridge, an admin_key on the plugins.
// Only the streaming and VideoRoom plugins load.
//
// Janus cannot listen on port 0 and say where it is: ports are picked for it, and when it could not
// bind one (another process took it first) it is stopped and tried again on others. It counts as
// started once it has logged that each of its three servers listens.
//
// Janus skips loopback interfaces when it gathers ICE candidates; janus-loopback-shim.c, loaded with
// LD_PRELOAD, makes it offer 127.0.0.1 (see that file).
//
// Janus runs in its configuration directory with core dumps allowed: should it crash, died() says so
// with its last log lines and, where the machine writes a core file there (core_pattern "core") and
// gdb is installed, its threads' backtraces; the directory is then kept (test-artifacts/janus-crash-*.txt
// names it). Debian's Janus 1.1.2 aborts about once in 25 runs of the media tests in a race of its own
// when a VideoRoom peer hangs up (janus_videoroom_hangup_media; janus-gateway#3331, fixed in 1.2.2):
// knownJanusAbort() recognises that report.
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rtcroom/common';
import WebSocket from 'ws';

export const janusBin = ['/usr/bin/janus', '/usr/local/bin/janus'].find(existsSync);
const libDir = ['/usr/lib/x86_64-linux-gnu/janus', '/usr/lib/aarch64-linux-gnu/janus', '/usr/lib/janus'].find((d) => existsSync(join(d, 'plugins')));
const haveGcc = spawnSync('gcc', ['--version'], { stdio: 'ignore' }).status === 0;

/** What is missing to run Janus here (empty: nothing). */
export const janusMissing: string[] = [!janusBin && 'janus', !libDir && 'janus plugins', !haveGcc && 'gcc'].filter((m): m is string => Boolean(m));

export interface RunningJanus {
  wsUrl: string;
  adminWsUrl: string;
  httpUrl: string;
  apiSecret: string;
  adminSecret: string;
  /** The streaming and VideoRoom plugins' admin_key (creating mountpoints and rooms, forwarding RTP). */
  pluginAdminKey: string;
  /** The ports ICE and mountpoints use. */
  rtpPorts: { min: number; max: number };
  readonly pid: number;
  /** Everything Janus logged. */
  log(): string;
  /** How Janus ended when nobody stopped it (a crash), else undefined. */
  died(): string | undefined;
  /** Kills Janus (SIGKILL), runs `whileDown`, and starts it again on the same ports: everything it held is gone. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/** The shim, built once per source version into the temporary directory. */
function loopbackShim(): string {
  const source = join(__dirname, 'janus-loopback-shim.c');
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const lib = join(tmpdir(), `rtcroom-janus-loopback-${hash}.so`);
  if (!existsSync(lib)) {
    const building = `${lib}.${process.pid}`;
    execFileSync('gcc', ['-shared', '-fPIC', '-O2', '-o', building, source, '-ldl']);
    execFileSync('mv', ['-f', building, lib]);
  }
  return lib;
}

const plugins = ['audiobridge', 'duktape', 'echotest', 'lua', 'nosip', 'recordplay', 'sip', 'textroom', 'videocall', 'voicemail'];
const transports = ['mqtt', 'nanomsg', 'pfunix', 'rabbitmq'];

function writeConfig(dir: string, ports: { ws: number; admin: number; http: number }, secrets: { api: string; admin: string; plugins: string }, rtp: { min: number; max: number }): void {
  writeFileSync(
    join(dir, 'janus.jcfg'),
    `general: {
  configs_folder = "${dir}"
  plugins_folder = "${libDir}/plugins"
  transports_folder = "${libDir}/transports"
  events_folder = "${libDir}/events"
  loggers_folder = "${libDir}/loggers"
  debug_level = 4
  interface = "127.0.0.1"
  server_name = "rtcroom-test"
  api_secret = "${secrets.api}"
  admin_secret = "${secrets.admin}"
  token_auth = true
  session_timeout = 60
}
certificates: {}
media: { rtp_port_range = "${rtp.min}-${rtp.max}" }
nat: {
  ice_enforce_list = "lo"
  ice_ignore_list = ""
  ignore_mdns = true
}
plugins: { disable = "${plugins.map((p) => `libjanus_${p}.so`).join(',')}" }
transports: { disable = "${transports.map((t) => `libjanus_${t}.so`).join(',')}" }
events: { broadcast = false }
loggers: { disable = "libjanus_jsonlog.so" }
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.websockets.jcfg'),
    `general: { json = "compact" ws = true ws_port = ${ports.ws} ws_ip = "127.0.0.1" wss = false }
admin: { admin_ws = true admin_ws_port = ${ports.admin} admin_ws_ip = "127.0.0.1" admin_wss = false }
`,
  );
  writeFileSync(
    join(dir, 'janus.transport.http.jcfg'),
    `general: { json = "compact" base_path = "/janus" http = true port = ${ports.http} ip = "127.0.0.1" https = false }
admin: { admin_http = false admin_https = false }
cors: { allow_origin = "*" }
`,
  );
  // admin_key: without it a member's token could create mountpoints and rooms, or forward anyone's
  // RTP anywhere (lock_rtp_forward).
  writeFileSync(join(dir, 'janus.plugin.streaming.jcfg'), `general: { admin_key = "${secrets.plugins}" }\n`);
  writeFileSync(join(dir, 'janus.plugin.videoroom.jcfg'), `general: { admin_key = "${secrets.plugins}" lock_rtp_forward = true }\n`);
}

interface Launched {
  proc: ChildProcess;
  output: () => string;
  up: boolean;
}

/** Starts Janus on a written configuration; `up` once its three servers listen on `ports`. */
async function launch(dir: string, shim: string, ports: { ws: number; admin: number; http: number }, logTo?: (line: string) => void): Promise<Launched> {
  let output = '';
  // The shell only raises the core limit and becomes Janus (exec): the pid is Janus's.
  const proc: ChildProcess = spawn('sh', ['-c', 'ulimit -c unlimited 2>/dev/null; exec "$@"', 'janus', janusBin!, '-C', join(dir, 'janus.jcfg'), '-F', dir, '-o'], {
    cwd: dir,
    env: { ...process.env, LD_PRELOAD: shim },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const onData = (d: Buffer) => {
    output += d.toString();
    logTo?.(d.toString());
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const wanted = [`HTTP webserver started (port ${ports.http}`, `Websockets server started (port ${ports.ws})`, `Admin Websockets server started (port ${ports.admin})`];
  const up = await new Promise<boolean>((resolve) => {
    const deadline = setTimeout(() => done(false), 15_000);
    const check = setInterval(() => {
      if (proc.exitCode !== null || /Error creating vhost|Couldn't start webserver|Error starting .*server/i.test(output)) done(false);
      else if (wanted.every((w) => output.includes(w))) done(true);
    }, 50);
    const done = (r: boolean) => {
      clearTimeout(deadline);
      clearInterval(check);
      resolve(r);
    };
  });
  // Said started is not always serving: once in a CI run the admin server hung up on the bridge's
  // first connection. Up means both WebSocket servers answer a handshake.
  const serving = up && (await answersHandshake(ports.ws, 'janus-protocol')) && (await answersHandshake(ports.admin, 'janus-admin-protocol'));
  if (up && !serving) output += `\n[test] a WebSocket server said it started but did not answer a handshake (ports ${ports.ws}, ${ports.admin})\n`;
  return { proc, output: () => output, up: serving };
}

/** Whether a WebSocket server on the port completes a handshake within 3 s (a try a few times). */
async function answersHandshake(port: number, protocol: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const ok = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}`, protocol, { handshakeTimeout: 3000 });
      ws.once('open', () => {
        ws.close();
        resolve(true);
      });
      ws.once('error', () => resolve(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('close', r));
  proc.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
  clearTimeout(timer);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

export async function startJanus(options: { logTo?: (line: string) => void } = {}): Promise<RunningJanus> {
  if (janusMissing.length > 0) throw new Error(`cannot start Janus: ${janusMissing.join(', ')} missing (bash scripts/ensure-media-tools.sh)`);
  const shim = loopbackShim();
  const dir = mkdtempSync(join(tmpdir(), 'rtcroom-janus-'));
  const secrets = { api: randomBytes(16).toString('hex'), admin: randomBytes(16).toString('hex'), plugins: randomBytes(16).toString('hex') };
  // A window of its own in the dynamic range, so two tests' Janus rarely meet.
  const base = 30000 + 1000 * Math.floor(Math.random() * 25);
  const rtp = { min: base, max: base + 999 };
  for (let attempt = 1; ; attempt++) {
    const ports = { ws: await freePort(), admin: await freePort(), http: await freePort() };
    writeConfig(dir, ports, secrets, rtp);
    const first = await launch(dir, shim, ports, options.logTo);
    if (!first.up) {
      await stopProcess(first.proc);
      if (attempt === 4) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`Janus did not start:\n${first.output().slice(-3000)}`);
      }
      continue;
    }
    let current = first;
    let crashed: string | undefined;
    let keepDir = false;
    return {
      wsUrl: `ws://127.0.0.1:${ports.ws}`,
      adminWsUrl: `ws://127.0.0.1:${ports.admin}`,
      httpUrl: `http://127.0.0.1:${ports.http}/janus`,
      apiSecret: secrets.api,
      adminSecret: secrets.admin,
      pluginAdminKey: secrets.plugins,
      rtpPorts: rtp,
      get pid() {
        return current.proc.pid!;
      },
      log: () => current.output(),
      died: () => {
        const { exitCode, signalCode } = current.proc;
        if (exitCode === null && signalCode === null) return undefined;
        crashed = crashed ?? crashReport(dir, `Janus exited (${exitCode ?? signalCode}); its last words:\n${current.output().slice(-4000)}`);
        keepDir = true;
        return crashed;
      },
      async restart(whileDown) {
        await stopProcess(current.proc, 'SIGKILL');
        await whileDown?.();
        // The same ports: whoever uses this Janus keeps its addresses. They were Janus's a moment ago.
        for (let tries = 1; ; tries++) {
          current = await launch(dir, shim, ports, options.logTo);
          crashed = undefined;
          if (current.up) return;
          await stopProcess(current.proc);
          if (tries === 3) throw new Error(`Janus did not start again:\n${current.output().slice(-3000)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      },
      async stop() {
        await stopProcess(current.proc);
        if (process.env.TEST_KEEP_MEDIA !== 'true' && !keepDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
}

/**
 * Whether a report of died() is Janus 1.1's teardown race (janus-gateway#3331): an abort, in the VideoRoom's
 * hang-up or on GLib's check of a mutex cleared while locked. Any other death is rtcroom's to explain.
 */
export function knownJanusAbort(report: string): boolean {
  return /Janus exited \((134|SIGABRT)\)/.test(report) && /janus_videoroom_hangup_media|g_mutex_clear|pthread_mutex_destroy/.test(report);
}

/** What a Janus that died leaves to explain it: the message, with its core's backtraces when there is one; written to test-artifacts too. */
function crashReport(dir: string, message: string): string {
  const core = readdirSync(dir).find((f) => /^core(\.\d+)?$/.test(f));
  let report = message;
  if (core) {
    const gdb = spawnSync('gdb', ['-batch', '-ex', 'thread apply all bt 12', janusBin!, join(dir, core)], { encoding: 'utf8', timeout: 60_000 });
    report += `\ncore file ${join(dir, core)} (kept)${gdb.status === 0 ? `; backtraces:\n${gdb.stdout.slice(-8000)}` : ' (no gdb to read it)'}`;
  } else report += `\nno core file in ${dir} (kept; core_pattern or the core limit sent it elsewhere)`;
  const artifacts = join(__dirname, '../../../test-artifacts');
  mkdirSync(artifacts, { recursive: true });
  writeFileSync(join(artifacts, `janus-crash-${Date.now()}.txt`), report);
  return report;
}
