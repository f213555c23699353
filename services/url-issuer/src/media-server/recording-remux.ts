// nginx-rtmp records FLV, which browsers do not play: on record_done the file is remuxed to MP4
// (`ffmpeg -c copy`: no transcoding, a few hundred ms for minutes of media) with its index at the
// front (+faststart), so a <video> starts before the whole file has arrived. Written beside the FLV
// under a temporary name and renamed when complete, so nobody ever serves half a file.
import { execFile } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';

export interface RemuxOptions {
  /** ffmpeg's path (default: ffmpeg on PATH). */
  ffmpeg?: string;
  /** A remux taking longer is stopped (and counts as failed). */
  timeoutMs?: number;
}

/** Where the MP4 of a recording file goes: the same name with .mp4. */
export const mp4PathOf = (path: string): string => path.replace(/\.[A-Za-z0-9]+$/, '') + '.mp4';

/** Remuxes `flvPath` into its .mp4 and removes the FLV; rejects (leaving the FLV) when ffmpeg fails. */
export async function remuxToMp4(flvPath: string, options: RemuxOptions = {}): Promise<string> {
  const target = mp4PathOf(flvPath);
  const partial = `${target}.part`;
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', flvPath, '-map', '0', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', partial];
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(options.ffmpeg ?? 'ffmpeg', args, { timeout: options.timeoutMs ?? 120_000, killSignal: 'SIGKILL' }, (err, _out, stderr) =>
        err ? reject(new Error(`ffmpeg could not remux ${flvPath}: ${String(stderr).trim() || err.message}`, { cause: err })) : resolve(),
      ),
    );
    await rename(partial, target);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  await rm(flvPath, { force: true });
  return target;
}
