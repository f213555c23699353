// Every secret-looking value written in the repository's deployment files, documentation and
// configuration code must be in publishedSecrets, so that envSecret refuses it outside development:
// an example someone copies into production must not work there.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPublishedSecret } from './published-secrets';

const repoRoot = join(__dirname, '..', '..', '..');
const secretName = '[A-Z][A-Z0-9_]*(?:SECRET|KEY|PASSWORD|TOKEN)[A-Z0-9_]*';

/** Files where a deployment's secrets are written down: compose, docs, YAML, shell, Dockerfiles, env files, config.ts. */
function scannedFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
  return tracked.filter(
    (f) => !f.startsWith('packages/proto/src/gen/') && (/\.(md|ya?ml|sh)$|(^|\/)Dockerfile$|(^|\/)\.env[^/]*$|(^|\/)config\.ts$/.test(f)),
  );
}

/** Values a reader would take for a real value: not empty, not a placeholder (..., <secret>), not a variable, not a file path (GRPC_TLS_KEY). */
function isValue(v: string): boolean {
  return v.length > 0 && !/^(\.\.\.|…|<.*>|\$.*|true|false|null|undefined|\.{0,2}\/.*)$/.test(v) && !/^\s*$/.test(v);
}

function valuesIn(file: string, text: string): string[] {
  const found: string[] = [];
  // ${NAME:-default} anywhere (compose, shell), including inside URLs.
  for (const m of text.matchAll(new RegExp(`\\$\\{${secretName}:?-([^}]*)\\}`, 'g'))) found.push(m[1]);
  if (!file.endsWith('.ts')) {
    // NAME=value, NAME: value (env files, shell, compose, docs); not the NAME of a ${NAME:-default}.
    for (const m of text.matchAll(new RegExp(`(?<!\\$\\{)\\b${secretName}\\s*[:=][ \\t]*(["']?)([^\\s"'#|,;)\`]*)\\1`, 'g'))) {
      if (!m[2].startsWith('${')) found.push(m[2]);
    }
  } else {
    // someSecret = 'literal', signingKey: 'literal', and a literal default handed to envSecret.
    for (const m of text.matchAll(/\w*(?:secret|key|password|token)\w*\s*[:=]\s*(['"`])([^'"`]+)\1/gi)) found.push(m[2]);
    for (const m of text.matchAll(/envSecret\([^)]*?,\s*(['"`])([^'"`]+)\1\s*\)/g)) found.push(m[2]);
  }
  return found.map((v) => v.trim()).filter(isValue);
}

describe('published secrets', () => {
  it('lists every secret value written in the tracked deployment files, docs and config.ts files', () => {
    const files = scannedFiles();
    expect(files).toEqual(expect.arrayContaining(['docker-compose.yml', 'README.md', 'services/gateway/src/config.ts']));
    const unlisted: string[] = [];
    for (const file of files) {
      for (const value of valuesIn(file, readFileSync(join(repoRoot, file), 'utf8'))) {
        if (!isPublishedSecret(value)) unlisted.push(`${file}: ${value}`);
      }
    }
    // Add each to publishedSecrets (published-secrets.ts) or take it out of the file.
    expect(unlisted).toEqual([]);
  });

  it('finds the forms a secret takes in those files', () => {
    const compose = 'ACCESS_TOKEN_SECRET: ${ACCESS_TOKEN_SECRET:-abc123}\nDATABASE_URL: postgres://u:${POSTGRES_PASSWORD:-pw9}@db/x\nX_KEY: ${X_KEY:-}';
    expect(valuesIn('docker-compose.yml', compose)).toEqual(['abc123', 'pw9']);
    expect(valuesIn('README.md', 'run `ACCESS_TOKEN_SECRET=... npm run token`, or STREAM_ID_KEY="s3cr3t-value"')).toEqual(['s3cr3t-value']);
    expect(valuesIn('docker-compose.yml', 'GRPC_TLS_KEY: /certs/room.key\nX_KEY=./k.pem')).toEqual([]);
    expect(valuesIn('x/config.ts', "const devKey = 'k-literal';\nsecret: envSecret(env, 'A_SECRET', 'inline-default'),")).toEqual(['k-literal', 'inline-default']);
  });
});
