// Serves a directory of static files (the web console) under a URL prefix, refusing anything that
// would step outside it and any path that does not decode.
import { createReadStream, statSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { decodePathSafely } from '@rtcroom/common';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Why a path under the prefix is not served. */
export interface StaticRefusal {
  status: 400 | 403 | 404;
  code: 'BAD_PATH' | 'FORBIDDEN_PATH' | 'NOT_FOUND';
  message: string;
}

/**
 * Answers the request when `path` (still percent-encoded) is under `prefix`: true when answered,
 * false when the path is not the prefix's, or the refusal for the caller to answer.
 */
export function serveStatic(root: string, prefix: string, path: string, res: ServerResponse): boolean | StaticRefusal {
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
  if (path === prefix) {
    res.writeHead(301, { location: `${prefix}/` }).end();
    return true;
  }
  const base = resolve(root);
  const decoded = decodePathSafely(path.slice(prefix.length + 1));
  if (decoded === null) return { status: 400, code: 'BAD_PATH', message: 'the path is not valid percent-encoded UTF-8' };
  let rel = decoded || 'index.html';
  if (rel.endsWith('/')) rel += 'index.html';
  const file = resolve(join(base, normalize(rel)));
  if (file !== base && !file.startsWith(base + sep)) return { status: 403, code: 'FORBIDDEN_PATH', message: 'the path leaves the console' };
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    return { status: 404, code: 'NOT_FOUND', message: 'no such file' };
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
  // The file may vanish or turn unreadable after the stat: the answer is cut, the process lives on.
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
  return true;
}
