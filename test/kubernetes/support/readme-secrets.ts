// The Secrets the README's "Kubernetes" section tells an operator to create, made by running its
// shell blocks as written (bash: the loops, `openssl rand -hex 32`) with a stand-in kubectl that
// records each command instead of reaching a cluster; `npm` is skipped (the caller has made the
// certificates that `npm run certs -- --out .rtcroom-certs` makes, in its own directory).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { root, SecretData } from './manifests';

export interface ReadmeDeployment {
  secrets: SecretData[];
  /** The kustomizations `kubectl apply -k` is given, as written (relative to the repository). */
  applied: string[];
  /** Every kubectl command, its arguments as bash passed them. */
  commands: string[][];
}

/** The README's "## Kubernetes" section. */
export function readmeKubernetesSection(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Kubernetes\n');
  if (start < 0) throw new Error('README has no "## Kubernetes" section');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Runs the section's shell blocks that call kubectl; `.rtcroom-certs` is `certsDir`. */
export function readmeDeployment(certsDir: string): ReadmeDeployment {
  const blocks = [...readmeKubernetesSection().matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1]).filter((b) => /\bkubectl\b/.test(b));
  if (blocks.length === 0) throw new Error('the README\'s "Kubernetes" section has no shell block with kubectl');
  const standIns = `kubectl() { printf '%s\\0' "$@"; printf '\\036'; }\nnpm() { :; }\nset -euo pipefail\n`;
  const script = standIns + blocks.join('\n').replaceAll('.rtcroom-certs', certsDir);
  const out = execFileSync('bash', ['-c', script], { cwd: root, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 30_000 });
  const commands = out
    .split('\u001e')
    .filter(Boolean)
    .map((record) => record.split('\0').slice(0, -1));
  const deployment: ReadmeDeployment = { secrets: [], applied: [], commands };
  for (const command of commands) {
    const { args, namespace } = withoutNamespace(command);
    if (args[0] === 'create' && args[1] === 'secret') deployment.secrets.push(secretOf(args, namespace));
    if (args[0] === 'apply' && args[1] === '-k') deployment.applied.push(args[2]);
  }
  return deployment;
}

function withoutNamespace(command: string[]): { args: string[]; namespace?: string } {
  const args: string[] = [];
  let namespace: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const a = command[i];
    if (a === '-n' || a === '--namespace') namespace = command[++i];
    else if (a.startsWith('--namespace=')) namespace = a.slice('--namespace='.length);
    else args.push(a);
  }
  return { args, namespace };
}

/** `create secret generic NAME --from-literal=K=V --from-file=[K=]PATH ...` or `create secret tls NAME --cert=PATH --key=PATH`. */
function secretOf(args: string[], namespace: string | undefined): SecretData {
  const [, , type, name, ...options] = args;
  const data: Record<string, Buffer> = {};
  const file = (path: string) => readFileSync(isAbsolute(path) ? path : join(root, path));
  for (const option of options) {
    const [flag, ...rest] = option.split('=');
    const value = rest.join('=');
    if (flag === '--from-literal') {
      const [key, ...literal] = value.split('=');
      data[key] = Buffer.from(literal.join('='), 'utf8');
    } else if (flag === '--from-file') {
      const eq = value.indexOf('=');
      if (eq < 0) data[basename(value)] = file(value);
      else data[value.slice(0, eq)] = file(value.slice(eq + 1));
    } else if (type === 'tls' && (flag === '--cert' || flag === '--key')) {
      data[flag === '--cert' ? 'tls.crt' : 'tls.key'] = file(value);
    } else {
      throw new Error(`kubectl create secret ${type} ${name}: option ${option} is not modelled here`);
    }
  }
  if (type !== 'generic' && type !== 'tls') throw new Error(`kubectl create secret ${type}: not modelled here`);
  return { name, namespace, data };
}
