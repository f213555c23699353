// The processes the media bridge's tests start and watch: ffmpeg as a mini-program's pusher and as a
// reader of RTMP streams, and what /proc says about a process (alive, its CPU, its memory, its
// ffmpeg children).
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/** Polls until `check` answers something truthy; fails after timeoutMs with what it saw last. */
export async function until<T>(check: () => Promise<T | false | undefined | null>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * ffmpeg pushes a 320x240 test pattern with a 440 Hz tone in real time (H.264 constrained baseline, AAC), as a mini-program's pusher would.
 * `pattern`: another of ffmpeg's test sources, to tell two sides apart in a picture.
 */
export function pushTestPattern(url: string, seconds: number, profile: 'baseline' | 'high-with-b-frames' = 'baseline', pattern: 'testsrc2' | 'smptebars' = 'testsrc2'): ChildProcess {
  const video = profile === 'baseline' ? ['-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline'] : ['-preset', 'veryfast', '-profile:v', 'high', '-bf', '2'];
  return spawn(
    'ffmpeg',
    [
      ...['-hide_banner', '-nostdin', '-v', 'error', '-re'],
      ...['-f', 'lavfi', '-i', `${pattern}=size=320x240:rate=15`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(seconds), '-c:v', 'libx264', ...video, '-pix_fmt', 'yuv420p', '-g', '15'],
      ...['-c:a', 'aac', '-b:a', '64k', '-f', 'flv', url],
    ],
    { stdio: 'ignore' },
  );
}

/** Reads video frames of an RTMP stream as they come: when the first arrived, and how many within the bound. */
export function readFrames(url: string, frames: number, timeoutMs: number, kind: 'v' | 'a' = 'v'): Promise<{ firstAt: number | undefined; frames: number; code: number | null; stderr: string }> {
  return new Promise((resolveRead) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-rw_timeout', '15000000', '-i', url, '-map', `0:${kind}:0`, `-frames:${kind}`, String(frames), '-f', 'framemd5', '-'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstAt: number | undefined;
    let count = 0;
    let rest = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      rest += d;
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (!/^\s*0,/.test(line)) continue;
        firstAt ??= Date.now();
        count++;
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRead({ firstAt, frames: count, code, stderr });
    });
  });
}

/** CPU seconds a process has used (user + system), from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100/s on Linux)
}

/** The bridge's ffmpeg children now. */
export function ffmpegChildren(parent: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(parent)], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm === 'ffmpeg')
    .map(([pid]) => Number(pid));
}

/** A process's resident memory, in MB. */
export function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(((Number(kb) || 0) / 1024).toFixed(1));
}

/** Share of one core a process uses over `ms`. */
export async function cpuShare(pid: number, ms: number): Promise<number> {
  const before = cpuSeconds(pid);
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, ms));
  return (cpuSeconds(pid) - before) / ((Date.now() - t0) / 1000);
}

/** Whether a process has ended (gone, or a zombie nobody reaped yet). */
export const ended = (pid: number): boolean => !existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

/** What ffprobe finds in a media file or URL: video frames it decoded, and audio streams. */
export function probeMedia(target: string, timeoutMs = 30_000): Promise<{ videoFrames: number; audioStreams: number; stderr: string }> {
  return new Promise((resolveProbe) => {
    const child = spawn('ffprobe', ['-v', 'error', '-rw_timeout', '10000000', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'csv=p=0', target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => {
      clearTimeout(timer);
      const streams = out.split('\n').map((l) => l.trim().split(',')).filter(([type]) => type);
      const videoFrames = streams.filter(([type]) => type === 'video').reduce((n, [, frames]) => n + (Number(frames) || 0), 0);
      resolveProbe({ videoFrames, audioStreams: streams.filter(([type]) => type === 'audio').length, stderr });
    });
  });
}
