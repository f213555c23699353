// The Dockerfiles against what runs them and what they must leave out, without building anything
// (test/containers/compose.e2e.test.ts builds and runs them): each takes its base from NODE_BASE
// (default the public Node 20 image), runs as the uid deploy/kubernetes gives the pod, under tini, from
// /app, with a HEALTHCHECK on the same probe script the manifests exec, on the port its address
// variable names, which is the one the manifests configure and expose; and the production
// dependencies it installs (its workspace's, read from the lock as npm resolves them) hold no
// compiler, test tool or PGlite, while every workspace package among them is copied into the image.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { byKind, healthProbeScript, K8sObject, readBase, root, serviceNames, ServiceName, workloads } from '../kubernetes/support/manifests';

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, continuation lines joined and comments dropped. */
function instructions(service: ServiceName | 'nginx-rtmp' | 'janus'): Instruction[] {
  const text = readFileSync(join(root, service === 'nginx-rtmp' || service === 'janus' ? `deploy/docker/${service}` : `services/${service}`, 'Dockerfile'), 'utf8');
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [, op, args] = /^\s*(\w+)\s+(.*)$/.exec(line)!;
      return { op: op.toUpperCase(), args: args.trim() };
    });
}

/** The instructions of the last stage (the image). */
function finalStage(all: Instruction[]): Instruction[] {
  const from = all.map((i) => i.op).lastIndexOf('FROM');
  return all.slice(from);
}

const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; link?: boolean; resolved?: string }>;
};

/** Where node would find `name` from `path` (its own node_modules, then its parents'), as a lock key. */
function resolve(path: string, name: string): string | undefined {
  for (let at = path; ; at = at.includes('/node_modules/') ? at.slice(0, at.lastIndexOf('/node_modules/')) : '') {
    const key = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!at) return undefined;
  }
}

/** Every package a workspace needs at run time (dependencies and optional ones, not dev), by lock key. */
function productionClosure(workspace: string): Set<string> {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    const entry = lock.packages[key];
    const real = entry.link && entry.resolved ? entry.resolved : key;
    if (real !== key) seen.add(real);
    const p = lock.packages[real];
    for (const name of Object.keys({ ...p.dependencies, ...p.optionalDependencies })) {
      const found = resolve(real, name);
      if (found) visit(found);
      else if (!p.optionalDependencies?.[name]) throw new Error(`${real} needs ${name}, which the lock does not hold`);
    }
  };
  visit(workspace);
  return seen;
}

const objects: K8sObject[] = readBase();
const configMapValue = (name: string) =>
  byKind(objects, 'ConfigMap')
    .map((c) => (c.data as Record<string, string> | undefined)?.[name])
    .find((v) => v !== undefined);

describe.each(serviceNames)('services/%s/Dockerfile', (service) => {
  const all = instructions(service);
  const image = finalStage(all);
  const w = workloads(objects).find((x) => x.service === service)!;
  const pod = w.pod.securityContext;
  const one = (op: string) => image.filter((i) => i.op === op).map((i) => i.args);

  test('takes its base from NODE_BASE, by default the public Node 20 image, in every stage', () => {
    expect(all[0]).toEqual({ op: 'ARG', args: 'NODE_BASE=node:20-bookworm-slim' });
    const stages = all.filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/));
    const named = new Set(stages.map((s) => s[2]).filter(Boolean));
    for (const [base] of stages) expect(base === '${NODE_BASE}' || named.has(base)).toBe(true);
    expect(image[0].args).toBe('${NODE_BASE}');
  });

  test('runs as the pod does: the uid and gid of its securityContext, from /app, under tini', () => {
    expect(one('USER')).toEqual([`${pod.runAsUser}:${pod.runAsGroup}`]);
    expect(one('WORKDIR')).toEqual(['/app']);
    expect(one('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(one('CMD')).toEqual([`["node", "--max-semi-space-size=4", "services/${service}/dist/main.js"]`]);
  });

  test("checks its health with the manifests' probe script, on the gRPC port the manifests configure and expose", () => {
    const [check] = one('HEALTHCHECK');
    const probe = new RegExp(`CMD node ${healthProbeScript.replace(/[./]/g, '\\$&')} "127\\.0\\.0\\.1:\\$\\{(\\w+)##\\*:\\}"$`).exec(check);
    expect(probe).not.toBeNull();
    const variable = probe![1];
    const env = one('ENV').find((e) => e.startsWith(`${variable}=`));
    expect(env).toBe(`${variable}=${configMapValue(variable)}`);
    const port = Number(env!.split(':').pop());
    // TCP ports only: the bridge's UDP range (RTP from Janus) is no container port of a manifest.
    const exposed = one('EXPOSE')
      .flatMap((e) => e.split(/\s+/))
      .filter((p) => !p.endsWith('/udp'))
      .map((p) => Number(p.replace(/\/tcp$/, '')))
      .sort();
    expect(exposed.every(Number.isInteger)).toBe(true);
    expect(exposed).toEqual(w.container.ports.map((p: { containerPort: number }) => p.containerPort).sort());
    expect(exposed).toContain(port);
  });

  test('installs only its workspace production dependencies: no PGlite, compiler or test tool; copies every workspace package among them', () => {
    const closure = [...productionClosure(`services/${service}`)];
    const names = closure.map((k) => k.replace(/^.*node_modules\//, ''));
    for (const banned of ['@electric-sql/pglite', '@rtcroom/embedded-store', 'typescript', '@swc/core', 'jest', 'ts-proto', '@bufbuild/buf']) {
      expect({ banned, present: names.includes(banned) }).toEqual({ banned, present: false });
    }
    expect(all.some((i) => i.op === 'RUN' && i.args.includes(`npm ci --omit=dev --workspace services/${service}`))).toBe(true);
    const workspaces = closure.filter((k) => !k.includes('node_modules/')).sort();
    const copied = one('COPY')
      .map((c) => /^--from=build \/app\/(\S+)\/dist /.exec(c)?.[1])
      .filter(Boolean)
      .sort();
    expect(copied).toEqual(workspaces);
  });

  test("copies every data file of proto's package (the descriptors the gRPC servers' reflection reads at start)", () => {
    const { files } = JSON.parse(readFileSync(join(root, 'packages/proto/package.json'), 'utf8')) as { files: string[] };
    const data = files.filter((f) => !f.includes('*') && !f.endsWith('/') && f !== 'dist');
    expect(data.length).toBeGreaterThan(0);
    const copied = one('COPY').filter((c) => c.startsWith('--from=build ') && c.endsWith(' packages/proto/'));
    for (const file of data) expect({ file, copied: copied.some((c) => c.split(/\s+/).includes(`/app/packages/proto/${file}`)) }).toEqual({ file, copied: true });
  });
});

// The media server's image: Debian's nginx and RTMP module on DEBIAN_BASE, as non-root under tini,
// its rtmp {} block the one print-nginx-conf writes (docker-compose.yml's media-conf, from the
// url-issuer image) at the path the image's main configuration includes.
describe('deploy/docker/nginx-rtmp/Dockerfile', () => {
  const all = instructions('nginx-rtmp');
  const of = (op: string) => all.filter((i) => i.op === op).map((i) => i.args);
  const mainConf = readFileSync(join(root, 'deploy/docker/nginx-rtmp/nginx.conf'), 'utf8');
  const included = /^include (\S+);$/m.exec(mainConf)?.[1];

  test('takes its base from DEBIAN_BASE, by default the public Debian bookworm image, and installs Debian\'s nginx and RTMP module', () => {
    expect(all[0]).toEqual({ op: 'ARG', args: 'DEBIAN_BASE=debian:bookworm-slim' });
    expect(of('FROM')).toEqual(['${DEBIAN_BASE}']);
    expect(of('RUN').join(' ')).toMatch(/apt-get install -y --no-install-recommends nginx libnginx-mod-rtmp tini/);
  });

  test('runs nginx in the foreground as www-data under tini, with a HEALTHCHECK on its RTMP port', () => {
    expect(of('USER')).toEqual(['www-data']);
    expect(of('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(of('CMD')).toEqual(['["nginx", "-e", "stderr", "-c", "/etc/nginx/rtcroom.conf"]']);
    expect(of('COPY')).toContain('deploy/docker/nginx-rtmp/nginx.conf /etc/nginx/rtcroom.conf');
    expect(of('HEALTHCHECK')).toEqual([expect.stringMatching(/CMD \["\/usr\/local\/bin\/rtmp-health"\]$/)]);
    expect(mainConf).toMatch(/^load_module \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;$/m);
    expect(mainConf).toMatch(/^daemon off;$/m);
  });

  test("includes the rtmp block where media-conf writes it in both compose files, and keeps recordings where print-nginx-conf puts them", () => {
    expect(included).toBe('/etc/rtcroom/media/rtmp.conf');
    for (const file of ['docker-compose.yml', 'docker-compose.ci.yml']) {
      const compose = readFileSync(join(root, file), 'utf8');
      const command = (parse(compose) as { services: Record<string, { command: string[] }> }).services['media-conf'].command.join(' ');
      expect({ file, writes: /print-nginx-conf\.js --hooks http:\/\/\S+ .*> (\S+) &&/.exec(command)?.[1] }).toEqual({ file, writes: included });
      expect({ file, mounts: compose.includes('- media-conf:/etc/rtcroom/media:ro') }).toEqual({ file, mounts: true });
    }
    const printer = readFileSync(join(root, 'services/url-issuer/src/print-nginx-conf.ts'), 'utf8');
    expect(printer).toContain("?? '/var/lib/rtcroom/recordings'");
    expect(of('VOLUME')).toEqual(['/var/lib/rtcroom/recordings']);
    // The url-issuer image has the directory, uid 1000's, so the volume mounted there is writable to media-conf.
    expect(finalStage(instructions('url-issuer')).some((i) => i.op === 'RUN' && i.args.includes('install -d -o 1000 -g 1000 /etc/rtcroom/media'))).toBe(true);
  });

  // The recordings: nginx-rtmp writes FLVs into the shared volume, the url-issuer remuxes each to MP4 beside
  // it (so it has ffmpeg and www-data's group on that volume, at the path nginx reports), and nginx serves the
  // MP4s, signed, from the server block media-conf writes where the image's http {} includes it.
  test('both compose files share the recordings with the url-issuer, which remuxes them with ffmpeg, and serve them signed', () => {
    const recordings = '/var/lib/rtcroom/recordings';
    const groupWritable = `install -d -o www-data -g www-data -m 2775 ${recordings}`;
    expect(all.some((i) => i.op === 'RUN' && i.args.includes(groupWritable))).toBe(true);
    const issuer = finalStage(instructions('url-issuer')).filter((i) => i.op === 'RUN').map((i) => i.args);
    expect(issuer.some((r) => r.includes(`install -d -o 33 -g 33 -m 2775 ${recordings}`))).toBe(true);
    expect(issuer.some((r) => /apt-get install -y --no-install-recommends ffmpeg .*&& rm -rf \/var\/lib\/apt\/lists\/\*/.test(r))).toBe(true);
    // www-data is gid 33 in Debian (base-passwd), the nginx-rtmp image's base as the url-issuer's.
    const recordingsConf = /^\s*include (\/etc\/rtcroom\/media\/recordings\S*\.conf);$/m.exec(mainConf.slice(mainConf.indexOf('http {')))?.[1];
    expect(recordingsConf).toBe('/etc/rtcroom/media/recordings*.conf');
    for (const file of ['docker-compose.yml', 'docker-compose.ci.yml']) {
      const compose = parse(readFileSync(join(root, file), 'utf8')) as { services: Record<string, any>; [key: string]: any };
      const { 'url-issuer': urls, 'nginx-rtmp': nginx, 'media-conf': conf } = compose.services;
      expect({ file, issuer: urls.volumes.includes(`recordings:${recordings}`), nginx: nginx.volumes.includes(`recordings:${recordings}`), group: urls.group_add }).toEqual({ file, issuer: true, nginx: true, group: ['33'] });
      const command = conf.command.join(' ');
      const listen = /--only recordings --record-http-listen (\S+) > \/etc\/rtcroom\/media\/recordings\.conf$/.exec(command)?.[1];
      // The url-issuer hands out URLs of that server (docker-compose.yml: by default, on the published port).
      const port = listen?.replace(/^127\.0\.0\.1:/, '');
      const base: string = (urls.environment ?? compose['x-url-issuer-env']).MEDIA_RECORD_URL_BASE;
      expect({ file, base: base.replace(/^\$\{MEDIA_RECORD_URL_BASE-(.*)\}$/, '$1') }).toEqual({ file, base: `http://127.0.0.1:${port}/recordings` });
      if (file === 'docker-compose.yml') expect(nginx.ports).toContain(`${port}:${port}`);
    }
  });
});

// Janus's image, which the media bridge drives: Debian's janus on DEBIAN_BASE, as non-root under tini;
// token auth on, the admin API on loopback only, the plugins' admin_key and the secrets from the
// environment (janus-start), never in the image. In compose the bridge shares its network namespace.
describe('deploy/docker/janus/Dockerfile', () => {
  const all = instructions('janus');
  const of = (op: string) => all.filter((i) => i.op === op).map((i) => i.args);
  const dir = join(root, 'deploy/docker/janus');
  const file = (name: string) => readFileSync(join(dir, name), 'utf8');

  test("takes its base from DEBIAN_BASE, installs Debian's janus, runs as its own user under tini with a HEALTHCHECK", () => {
    expect(all[0]).toEqual({ op: 'ARG', args: 'DEBIAN_BASE=debian:bookworm-slim' });
    expect(of('FROM')).toEqual(['${DEBIAN_BASE}']);
    expect(of('RUN').join(' ')).toMatch(/apt-get install -y --no-install-recommends janus tini/);
    expect(of('USER')).toEqual(['janus']);
    expect(of('ENTRYPOINT')).toEqual(['["/usr/bin/tini", "--"]']);
    expect(of('CMD')).toEqual(['["/usr/local/bin/janus-start"]']);
    expect(of('HEALTHCHECK')).toEqual([expect.stringMatching(/CMD \["\/usr\/local\/bin\/janus-health"\]$/)]);
    for (const copied of of('COPY').flatMap((c) => c.split(/\s+/).slice(0, -1))) expect({ copied, exists: existsSync(join(root, copied)) }).toEqual({ copied, exists: true });
  });

  test('is configured for token auth with the admin API on loopback, and its secrets come from the environment', () => {
    const main = file('janus.jcfg');
    expect(main).toMatch(/^\s*token_auth = true$/m);
    expect(main).toMatch(/^\s*api_secret = "@API_SECRET@"$/m);
    expect(main).toMatch(/^\s*admin_secret = "@ADMIN_SECRET@"$/m);
    expect(file('janus.transport.websockets.jcfg')).toMatch(/admin_ws = true admin_ws_port = 7188 admin_ws_ip = "127\.0\.0\.1"/);
    expect(file('janus.transport.http.jcfg')).toMatch(/admin_http = false admin_https = false/);
    const start = file('janus-start.sh');
    for (const name of ['JANUS_API_SECRET', 'JANUS_ADMIN_SECRET', 'JANUS_PLUGIN_ADMIN_KEY']) expect(start).toContain(name);
    expect(start).toMatch(/admin_key = "%s" lock_rtp_forward = true/);
    expect(start).toMatch(/janus\.plugin\.streaming\.jcfg/);
    // Nothing secret is baked in: every secret in the templates is a placeholder.
    expect(main).not.toMatch(/(api|admin)_secret = "[^@]/);
  });

  test("both compose files run Janus and the bridge (in Janus's network, with its certificate and a healthcheck) and give the url-issuer MEDIA_BRIDGE_ADDRESS", () => {
    for (const name of ['docker-compose.yml', 'docker-compose.ci.yml']) {
      const compose = parse(readFileSync(join(root, name), 'utf8')) as { services: Record<string, any>; [key: string]: any };
      const { janus, 'media-bridge': bridge, 'url-issuer': urls } = compose.services;
      expect({ name, janus: janus?.image, bridge: bridge?.image }).toEqual({ name, janus: expect.stringMatching(/^rtcroom\/janus:/), bridge: expect.stringMatching(/^rtcroom\/media-bridge:/) });
      expect(bridge.environment.GRPC_TLS_CERT).toBe('/certs/media-bridge.crt');
      expect(bridge.volumes.some((v: string) => v.endsWith('/media-bridge.key:/certs/media-bridge.key:ro'))).toBe(true);
      expect(bridge.healthcheck.test.join(' ')).toContain(healthProbeScript);
      expect(bridge.depends_on).toEqual({ janus: { condition: 'service_healthy' } });
      expect(bridge.environment.JANUS_ADMIN_WS_URL).toBe('ws://127.0.0.1:7188');
      if (name === 'docker-compose.yml') {
        expect(bridge.network_mode).toBe('service:janus');
        expect(janus.networks.default.aliases).toContain('media-bridge');
      }
      expect(Object.keys(urls.environment ?? compose['x-url-issuer-env'])).toContain('MEDIA_BRIDGE_ADDRESS');
    }
  });
});
