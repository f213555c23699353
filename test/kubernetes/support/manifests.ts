// The Kubernetes manifests in deploy/kubernetes, as the cluster gets them: the base read as plain YAML
// (its kustomization only lists files), an overlay rendered by `kubectl kustomize`; and, for each of
// the five services, the container's environment as the kubelet would build it from the ConfigMaps,
// the Secrets and the downward API.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export const root = join(__dirname, '..', '..', '..');
export const kubernetesDir = join(root, 'deploy', 'kubernetes');
export const serviceNames = ['url-issuer', 'room', 'presence', 'gateway', 'media-bridge'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** A Kubernetes object, loosely typed: the schema check (kubernetes-models) types it for real. */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: any };

/** The overlays: every directory under overlays/. */
export const overlayNames = readdirSync(join(kubernetesDir, 'overlays'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function parseYamlDocuments(text: string, where: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

/** The base's kustomization (what it does besides listing files, the test checks). */
export function baseKustomization(): Record<string, unknown> {
  return parse(readFileSync(join(kubernetesDir, 'base', 'kustomization.yaml'), 'utf8')) as Record<string, unknown>;
}

/** The base's objects, read from the files its kustomization lists, in order. */
export function readBase(): K8sObject[] {
  const resources = (baseKustomization().resources ?? []) as string[];
  return resources.flatMap((file) => parseYamlDocuments(readFileSync(join(kubernetesDir, 'base', file), 'utf8'), `base/${file}`));
}

/** kubectl on this machine, or undefined. */
export const kubectl: string | undefined = (() => {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  return undefined;
})();

/** A kustomization directory (under deploy/kubernetes) as kubectl renders it. */
export function render(dir: string): K8sObject[] {
  if (!kubectl) throw new Error('kubectl is needed to render kustomize overlays');
  const out = execFileSync(kubectl, ['kustomize', join(kubernetesDir, dir)], { encoding: 'utf8', timeout: 30_000 });
  return parseYamlDocuments(out, dir);
}

export const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** Does a label selector (matchLabels, or a Service's plain map) select these labels? */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** One service's Deployment and its container (named as the service). */
export interface Workload {
  service: ServiceName;
  deployment: K8sObject;
  pod: any;
  container: any;
}

export function workloads(objects: K8sObject[]): Workload[] {
  return byKind(objects, 'Deployment').map((deployment) => {
    const pod = deployment.spec.template.spec;
    const service = deployment.metadata.name as ServiceName;
    const container = pod.containers.find((c: { name: string }) => c.name === service);
    if (!serviceNames.includes(service) || !container) throw new Error(`Deployment ${service}: not one of ${serviceNames.join(', ')} with a container of that name`);
    return { service, deployment, pod, container };
  });
}

/** A Secret as the cluster would hold it: its keys' values. */
export interface SecretData {
  name: string;
  namespace?: string;
  data: Record<string, Buffer>;
}

/** Where a variable of a container's environment comes from. */
export type Source = 'value' | 'configMap' | 'secret' | 'field';

export interface ContainerEnvironment {
  env: Record<string, string>;
  sources: Record<string, Source>;
  /** Files the container sees, by absolute path: from Secret volumes. */
  files: Record<string, Buffer>;
}

const podName = (w: Workload) => `${w.service}-6d5f8b7c9-x2x7q`;

/**
 * The environment the kubelet gives the container: envFrom first, then env (which wins), with the
 * values of the ConfigMaps in `objects` and of `secrets`. A missing ConfigMap, Secret or key that is
 * not optional throws, as the pod would not start.
 */
export function containerEnvironment(objects: K8sObject[], w: Workload, secrets: SecretData[]): ContainerEnvironment {
  const env: Record<string, string> = {};
  const sources: Record<string, Source> = {};
  const configMap = (name: string) => named(objects, 'ConfigMap', name);
  const secret = (name: string) => secrets.find((s) => s.name === name);
  const set = (name: string, value: string, source: Source) => {
    env[name] = value;
    sources[name] = source;
  };
  for (const from of w.container.envFrom ?? []) {
    const prefix: string = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = configMap(from.configMapRef.name);
      if (!cm && !from.configMapRef.optional) throw new Error(`${w.service}: no ConfigMap ${from.configMapRef.name}`);
      for (const [k, v] of Object.entries(cm?.data ?? {})) set(prefix + k, String(v), 'configMap');
    }
    if (from.secretRef) {
      const s = secret(from.secretRef.name);
      if (!s && !from.secretRef.optional) throw new Error(`${w.service}: no Secret ${from.secretRef.name}`);
      for (const [k, v] of Object.entries(s?.data ?? {})) set(prefix + k, v.toString('utf8'), 'secret');
    }
  }
  for (const e of w.container.env ?? []) {
    if (e.value !== undefined) set(e.name, String(e.value), 'value');
    const ref = e.valueFrom;
    if (!ref) continue;
    if (ref.configMapKeyRef) {
      const value = configMap(ref.configMapKeyRef.name)?.data?.[ref.configMapKeyRef.key];
      if (value !== undefined) set(e.name, String(value), 'configMap');
      else if (!ref.configMapKeyRef.optional) throw new Error(`${w.service}: ${e.name}: no key ${ref.configMapKeyRef.key} in ConfigMap ${ref.configMapKeyRef.name}`);
    } else if (ref.secretKeyRef) {
      const value = secret(ref.secretKeyRef.name)?.data[ref.secretKeyRef.key];
      if (value !== undefined) set(e.name, value.toString('utf8'), 'secret');
      else if (!ref.secretKeyRef.optional) throw new Error(`${w.service}: ${e.name}: no key ${ref.secretKeyRef.key} in Secret ${ref.secretKeyRef.name}`);
    } else if (ref.fieldRef) {
      const fields: Record<string, string> = { 'metadata.name': podName(w), 'metadata.namespace': w.deployment.metadata.namespace ?? 'default', 'status.podIP': '10.0.0.7' };
      const value = fields[ref.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`${w.service}: ${e.name}: fieldRef ${ref.fieldRef.fieldPath} is not modelled here`);
      set(e.name, value, 'field');
    } else {
      throw new Error(`${w.service}: ${e.name}: valueFrom ${Object.keys(ref).join(', ')} is not modelled here`);
    }
  }
  return { env, sources, files: mountedFiles(w, secrets) };
}

/** Files of the Secret volumes the container mounts (whole Secrets or their items). */
function mountedFiles(w: Workload, secrets: SecretData[]): Record<string, Buffer> {
  const files: Record<string, Buffer> = {};
  for (const mount of w.container.volumeMounts ?? []) {
    const volume = (w.pod.volumes ?? []).find((v: { name: string }) => v.name === mount.name);
    if (!volume) throw new Error(`${w.service}: volumeMount ${mount.name} has no volume`);
    if (!volume.secret) continue;
    const s = secrets.find((x) => x.name === volume.secret.secretName);
    if (!s) {
      if (volume.secret.optional) continue;
      throw new Error(`${w.service}: no Secret ${volume.secret.secretName} for volume ${mount.name}`);
    }
    if (mount.subPath) throw new Error(`${w.service}: ${mount.mountPath} mounts a subPath: Kubernetes never updates it, so renewed certificates would not arrive`);
    const items: { key: string; path: string }[] = volume.secret.items ?? Object.keys(s.data).map((key) => ({ key, path: key }));
    for (const item of items) {
      const value = s.data[item.key];
      if (value === undefined) throw new Error(`${w.service}: Secret ${s.name} has no key ${item.key}`);
      files[`${mount.mountPath.replace(/\/$/, '')}/${item.path}`] = value;
    }
  }
  return files;
}

/** A container port by name or number (how probes and Services name it). */
export function containerPort(w: Workload, port: string | number): { name?: string; containerPort: number } | undefined {
  return (w.container.ports ?? []).find((p: { name?: string; containerPort: number }) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

/** The image's gRPC health probe, as the Dockerfiles' HEALTHCHECK runs it: node <script> <host:port> [service]. */
export const healthProbeScript = 'packages/common/dist/grpc/health-probe.js';

export type ProbeKind = 'startupProbe' | 'readinessProbe' | 'livenessProbe';
export const probeKinds: ProbeKind[] = ['startupProbe', 'readinessProbe', 'livenessProbe'];

/** What a probe checks: an exec of the health probe, the kubelet's grpc probe, or an HTTP GET. */
export type ProbeTarget =
  | { how: 'exec'; host: string; port: number; service: string; command: string[] }
  | { how: 'grpc'; port: number; service: string }
  | { how: 'http'; port: number; path: string };

export function probeTarget(w: Workload, kind: ProbeKind): ProbeTarget | undefined {
  const probe = w.container[kind];
  if (!probe) return undefined;
  if (probe.exec) {
    const command: string[] = probe.exec.command;
    if (command[0] !== 'node' || command[1] !== healthProbeScript || command.length < 3 || command.length > 4) {
      throw new Error(`${w.service} ${kind}: runs ${command.join(' ')}, not node ${healthProbeScript} <host:port> [service]`);
    }
    const [host, port] = command[2].split(':');
    return { how: 'exec', host, port: Number(port), service: command[3] ?? '', command };
  }
  if (probe.grpc) return { how: 'grpc', port: probe.grpc.port, service: probe.grpc.service ?? '' };
  if (probe.httpGet) {
    const port = containerPort(w, probe.httpGet.port)?.containerPort;
    if (port === undefined) throw new Error(`${w.service} ${kind}: port ${probe.httpGet.port} is none of the container's`);
    return { how: 'http', port, path: probe.httpGet.path };
  }
  throw new Error(`${w.service} ${kind}: neither exec, grpc nor httpGet`);
}

/** The preStop sleep, in seconds (0 without one). */
export function preStopSeconds(w: Workload): number {
  const preStop = w.container.lifecycle?.preStop;
  if (!preStop) return 0;
  if (!preStop.sleep) throw new Error(`${w.service}: preStop is not a sleep action`);
  return preStop.sleep.seconds;
}
