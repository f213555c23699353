// A media process (ffmpeg) the bridge keeps running until told to stop: restarted with a growing
// pause when it ends, its stderr kept (the last lines) and logged, its progress read to learn when
// media first flows. Stopping sends SIGTERM, then SIGKILL; the process is its own group's leader, so
// nothing it started outlives it. And it dies with the bridge: it runs under util-linux's setpriv
// with a parent-death signal, so even a bridge killed with SIGKILL (or OOM) leaves no ffmpeg pulling
// or pushing a stream for nobody.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { Logger } from '@rtcroom/common';

export interface SupervisedProcessOptions {
  command: string;
  args: () => string[];
  logger: Logger;
  /** Called before each (re)start, e.g. to write the file the command reads. */
  beforeStart?: () => Promise<void> | void;
  /** First restart pause; doubles up to maxBackoffMs, and resets once media flowed. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

export type ProcessState = 'starting' | 'flowing' | 'restarting' | 'stopped';

const stderrLines = 30;

/** setpriv, when this machine has one that sets a parent-death signal (util-linux 2.33+). */
let setpriv: string | null | undefined;
function parentDeathWrapper(): string | null {
  if (setpriv === undefined) {
    const help = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    setpriv = help.status === 0 && help.stdout.includes('--pdeathsig') ? 'setpriv' : null;
  }
  return setpriv;
}

export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private backoff: number;
  private tail: string[] = [];
  state: ProcessState = 'starting';
  restarts = 0;
  /** When media first flowed (ms since the epoch), for setup time. */
  firstFlowAt: number | undefined;
  private flowListeners: (() => void)[] = [];
  private warnedNoWrapper = false;

  constructor(private readonly options: SupervisedProcessOptions) {
    this.backoff = options.backoffMs ?? 500;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines ffmpeg wrote to stderr. */
  get stderrTail(): string[] {
    return [...this.tail];
  }

  start(): void {
    void this.launch();
  }

  /** Resolves when media flows (now, or later); rejects after timeoutMs. */
  flowing(timeoutMs: number): Promise<void> {
    if (this.state === 'flowing') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no media within ${timeoutMs} ms; ffmpeg said: ${this.tail.slice(-3).join(' | ') || '(nothing)'}`)), timeoutMs);
      this.flowListeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
    signalGroup(child, 'SIGTERM');
    let kill: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (kill = setTimeout(resolve, graceMs)))]);
    clearTimeout(kill);
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child, 'SIGKILL');
      await exited;
    }
  }

  private async launch(): Promise<void> {
    if (this.stopped) return;
    const { logger } = this.options;
    try {
      await this.options.beforeStart?.();
    } catch (err) {
      logger.error('could not prepare the media process', { err });
      this.scheduleRestart();
      return;
    }
    if (this.stopped) return;
    const args = this.options.args();
    // detached: its own process group, so a stop reaches whatever it forks, and a Ctrl-C in the
    // bridge's terminal reaches only the bridge, which stops its children in order.
    const wrapper = parentDeathWrapper();
    if (!wrapper && !this.warnedNoWrapper) {
      this.warnedNoWrapper = true;
      logger.warn('setpriv (util-linux) with --pdeathsig not found: a media process outlives the bridge if the bridge is killed');
    }
    const [command, argv] = wrapper ? [wrapper, ['--pdeathsig', 'KILL', '--', this.options.command, ...args]] : [this.options.command, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    logger.debug('media process started', { pid: child.pid, command: this.options.command, args: args.join(' ') });
    let stdoutRest = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdoutRest += chunk.toString();
      const lines = stdoutRest.split('\n');
      stdoutRest = lines.pop() ?? '';
      for (const line of lines) this.progress(line);
    });
    let stderrRest = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      stderrRest += chunk.toString();
      const lines = stderrRest.split('\n');
      stderrRest = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        this.tail.push(line);
        if (this.tail.length > stderrLines) this.tail.shift();
        logger.debug('ffmpeg', { pid: child.pid, line });
      }
    });
    child.on('error', (err) => logger.error('media process could not start', { err, command: this.options.command }));
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      logger.warn('media process ended; restarting', { pid: child.pid, code, signal, restartInMs: this.backoff, stderr: this.tail.slice(-5) });
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    if (this.stopped) return;
    this.state = 'restarting';
    this.restarts++;
    this.timer = setTimeout(() => {
      this.state = this.firstFlowAt ? 'restarting' : 'starting';
      void this.launch();
    }, this.backoff);
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs ?? 10_000);
  }

  /** ffmpeg's -progress lines: media flows once its output clock moves. */
  private progress(line: string): void {
    const m = /^out_time_us=(\d+)/.exec(line);
    if (!m || Number(m[1]) <= 0 || this.state === 'flowing' || this.stopped) return;
    this.state = 'flowing';
    this.backoff = this.options.backoffMs ?? 500;
    this.firstFlowAt ??= Date.now();
    for (const listener of this.flowListeners.splice(0)) listener();
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    child.kill(signal);
  }
}
