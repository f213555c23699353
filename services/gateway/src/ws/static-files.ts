// Serves a directory of static files (the web console) under a URL prefix, refusing anything that
// would step outside it.
import { createReadStream, statSync } from 'node:fs';
import { ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

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

/** Answers the request when `path` is under `prefix`; returns false when it is not. */
export function serveStatic(root: string, prefix: string, path: string, res: ServerResponse): boolean {
  if (path !== prefix && !path.startsWith(`${prefix}/`)) return false;
  if (path === prefix) {
    res.writeHead(301, { location: `${prefix}/` }).end();
    return true;
  }
  const base = resolve(root);
  let rel = decodeURIComponent(path.slice(prefix.length + 1)) || 'index.html';
  if (rel.endsWith('/')) rel += 'index.html';
  const file = resolve(join(base, normalize(rel)));
  if (file !== base && !file.startsWith(base + sep)) {
    res.writeHead(403).end();
    return true;
  }
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return true;
  }
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
  createReadStream(file).pipe(res);
  return true;
}
