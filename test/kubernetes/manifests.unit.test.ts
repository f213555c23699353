// The Kubernetes manifests (deploy/kubernetes) against the Kubernetes API's schemas and against each
// service's own code: the base and every overlay give each container only variables its config.ts
// reads, secrets only from Secrets, and an environment (built as the kubelet would, from the
// ConfigMaps and the Secrets the README's commands create) that the service's real load*Config accepts
// outside development mode; its ports, Services, probes, dialled addresses, disruption budget,
// autoscaler, security context and grace period fit what the service does.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkServerIdentity } from 'node:tls';
import { makeDevCertificates } from '../../packages/dev/src/dev-certificates';
import {
  baseKustomization,
  byKind,
  containerEnvironment,
  containerPort,
  healthProbeScript,
  K8sObject,
  kubectl,
  named,
  overlayNames,
  preStopSeconds,
  probeKinds,
  probeTarget,
  readBase,
  render,
  root,
  selects,
  serviceNames,
  Workload,
  workloads,
} from './support/manifests';
import { readmeDeployment, ReadmeDeployment } from './support/readme-secrets';
import { clientPort, dialFields, drainBudgetSeconds, grpcServicesOf, hostPort, listenFields, loadConfig, materialize, scrapedPorts, secretVariables, variablesRead } from './support/service-config';

// kubernetes-models is ESM only: import() past the test's CommonJS transform.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, new (data: unknown) => { validate(): void }>>;

const work = mkdtempSync(join(tmpdir(), 'rtcroom-k8s-'));
const certs = makeDevCertificates({ outDir: join(work, 'certs') });
let readme: ReadmeDeployment;

beforeAll(() => {
  readme = readmeDeployment(certs.dir);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const inCi = process.env.CI === 'true';
const variants = ['base', ...overlayNames.map((o) => `overlays/${o}`)];

it('finds the base and the overlays', () => {
  expect(overlayNames).toEqual(expect.arrayContaining(['example', 'service-mesh']));
});

it("the base's kustomization only lists files, so reading them is what kubectl renders", () => {
  expect(Object.keys(baseKustomization()).sort()).toEqual(['apiVersion', 'kind', 'resources']);
  if (!kubectl) return;
  const sortKey = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
  expect(render('base').sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(readBase().sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
});

it('kubectl renders the overlays here (CI has it)', () => {
  if (inCi) expect(kubectl).toBeDefined();
  else if (!kubectl) console.warn('kubectl not found: the overlays are not checked (the base is)');
});

it("the README's commands create namespaced Secrets and apply an overlay that exists, in that namespace", () => {
  expect(readme.secrets.map((s) => s.name).sort()).toEqual(['rtcroom-secrets', ...serviceNames.map((s) => `rtcroom-tls-${s}`)].sort());
  expect(readme.applied.length).toBe(1);
  const applied = readme.applied[0];
  expect(existsSync(join(root, applied, 'kustomization.yaml'))).toBe(true);
  const namespace = /^namespace: (\S+)$/m.exec(readFileSync(join(root, applied, 'kustomization.yaml'), 'utf8'))?.[1];
  expect(namespace).toBeDefined();
  expect(new Set(readme.secrets.map((s) => s.namespace))).toEqual(new Set([namespace]));
});

describe.each(variants)('%s', (variant) => {
  const canRender = variant === 'base' || kubectl !== undefined || inCi;
  let objects: K8sObject[] = [];
  let deployed: Workload[] = [];
  beforeAll(() => {
    if (!canRender) return;
    objects = variant === 'base' ? readBase() : render(variant);
    deployed = workloads(objects);
  });
  const test = canRender ? it : it.skip;

  /** Each service's environment as the kubelet builds it, its files copied under the test's directory. */
  const environments = () =>
    deployed.map((w) => {
      const container = containerEnvironment(objects, w, readme.secrets);
      return { w, container, env: materialize(container, join(work, variant, w.service)) };
    });

  test('holds only objects the Kubernetes API accepts (its OpenAPI schemas, from kubernetes-models)', async () => {
    const invalid: string[] = [];
    for (const o of objects) {
      const Model = (await importEsm(`kubernetes-models/${o.apiVersion}`))[o.kind];
      if (!Model) invalid.push(`${o.apiVersion} ${o.kind} ${o.metadata.name}: no such kind`);
      else {
        try {
          new Model(o).validate();
        } catch (err) {
          invalid.push(`${o.kind} ${o.metadata.name}: ${(err as Error).message}`);
        }
      }
    }
    expect(invalid).toEqual([]);
  });

  test('deploys each of the five services once', () => {
    expect(deployed.map((w) => w.service).sort()).toEqual([...serviceNames].sort());
  });

  test("gives each container only variables its service's config.ts reads", () => {
    const unread = environments().flatMap(({ w, container }) => {
      const read = variablesRead(w.service);
      return Object.keys(container.env).filter((name) => !read.has(name)).map((name) => `${w.service}: ${name}`);
    });
    expect(unread).toEqual([]);
  });

  test('takes every secret from a Secret, never from a ConfigMap or the manifest itself', () => {
    const exposed = environments().flatMap(({ w, container }) =>
      Object.entries(container.sources)
        .filter(([name, source]) => secretVariables.has(name) && source !== 'secret')
        .map(([name, source]) => `${w.service}: ${name} from ${source}`),
    );
    const inConfigMaps = byKind(objects, 'ConfigMap').flatMap((cm) => Object.keys(cm.data ?? {}).filter((k) => secretVariables.has(k)).map((k) => `${cm.metadata.name}: ${k}`));
    expect({ exposed, inConfigMaps }).toEqual({ exposed: [], inConfigMaps: [] });
    expect([...secretVariables]).toEqual(expect.arrayContaining(['ACCESS_TOKEN_SECRET', 'STREAM_ID_KEY', 'MEDIA_SIGNING_KEY', 'TENCENT_PUSH_KEY', 'DATABASE_URL']));
  });

  test("starts each service's own configuration outside development mode: TLS or a mesh, real secrets, Postgres and NATS", () => {
    for (const { w, env } of environments()) {
      expect([w.service, env.RTCROOM_DEV, env.RTCROOM_EMBEDDED]).toEqual([w.service, undefined, undefined]);
      const config = loadConfig[w.service](env);
      // The media bridge has no NATS: the url-issuer drives it over gRPC.
      if (w.service !== 'media-bridge') expect([w.service, config.natsUrl]).toEqual([w.service, expect.stringMatching(/^nats:\/\//)]);
      if (w.service === 'room' || w.service === 'url-issuer') expect([w.service, config.databaseUrl]).toEqual([w.service, expect.stringMatching(/^postgres:\/\//)]);
      const mesh = variant.endsWith('service-mesh');
      expect([w.service, config.grpcSecurity.tls !== undefined, config.grpcSecurity.insecure]).toEqual([w.service, !mesh, mesh]);
    }
  });

  test("keeps each JetStream stream and the session bucket on as many NATS nodes as NATS_URL names: 1 on one server, 3 on the example overlay's cluster", () => {
    const replicas = environments()
      .filter(({ w }) => w.service !== 'gateway' && w.service !== 'media-bridge')
      .map(({ w, env }) => {
        const config = loadConfig[w.service](env) as { natsUrl: string; natsReplicas?: number };
        return [w.service, config.natsReplicas, config.natsUrl.split(',').length];
      });
    expect(replicas.map(([service]) => service).sort()).toEqual(['presence', 'room', 'url-issuer']);
    for (const [service, copies, nodes] of replicas) expect([service, copies]).toEqual([service, nodes]);
    if (variant === 'overlays/example') for (const [service, copies] of replicas) expect([service, copies]).toEqual([service, 3]);
  });

  test('listens on its container ports, from every interface; each port has one Service, but /metrics, which the pod annotations give Prometheus', () => {
    const services = byKind(objects, 'Service');
    for (const { w, env } of environments()) {
      const config = loadConfig[w.service](env);
      const listens = Object.entries(listenFields[w.service]).map(([portName, field]) => [portName, hostPort(config[field] as string)] as const);
      expect((w.container.ports ?? []).map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]).sort()).toEqual(listens.map(([n, a]) => [n, a.port]).sort());
      for (const [, address] of listens) expect(`${w.service} ${address.host}`).toBe(`${w.service} 0.0.0.0`);
      const podLabels = w.deployment.spec.template.metadata.labels;
      expect(selects(w.deployment.spec.selector.matchLabels, podLabels)).toBe(true);
      for (const [portName, address] of listens) {
        if (scrapedPorts.has(portName)) {
          // /metrics: no Service exposes it; the pod's annotations point Prometheus at it.
          expect([w.service, services.filter((s) => selects(s.spec.selector, podLabels) && s.spec.ports.some((p: { targetPort: string | number }) => containerPort(w, p.targetPort)?.name === portName)).length]).toEqual([w.service, 0]);
          expect([w.service, w.deployment.spec.template.metadata.annotations]).toEqual([
            w.service,
            { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(address.port), 'prometheus.io/path': '/metrics' },
          ]);
          continue;
        }
        // Exactly one Service exposes this port, with one port, that reaches this container port.
        const exposing = services.filter((s) => selects(s.spec.selector, podLabels) && s.spec.ports.some((p: { targetPort: string | number }) => containerPort(w, p.targetPort)?.name === portName));
        expect([w.service, portName, exposing.length]).toEqual([w.service, portName, 1]);
        expect(exposing[0].spec.ports).toHaveLength(1);
        expect(containerPort(w, exposing[0].spec.ports[0].targetPort)?.containerPort).toBe(address.port);
      }
    }
    // No Service selects more than one service's pods, or none.
    for (const s of services) expect([s.metadata.name, deployed.filter((w) => selects(s.spec.selector, w.deployment.spec.template.metadata.labels)).length]).toEqual([s.metadata.name, 1]);
  });

  test("dials each peer through that peer's Service and port, by a name its certificate carries", () => {
    const services = byKind(objects, 'Service');
    for (const { w, env } of environments()) {
      const config = loadConfig[w.service](env);
      for (const [field, peer] of Object.entries(dialFields[w.service])) {
        const { host, port } = hostPort(config[field] as string);
        const service = named(services, 'Service', host);
        const target = deployed.find((d) => selects(service?.spec.selector, d.deployment.spec.template.metadata.labels));
        expect([w.service, field, target?.service]).toEqual([w.service, field, peer]);
        const servicePort = service!.spec.ports.find((p: { port: number }) => p.port === port);
        expect([w.service, field, containerPort(target!, servicePort?.targetPort)?.name]).toEqual([w.service, field, 'grpc']);
        // The client checks the server's name against the host it dials (packages/common/src/grpc/tls.ts).
        const cert = new X509Certificate(readFileSync(certs.files[peer].certFile));
        expect([w.service, field, checkServerIdentity(host, { subject: { CN: peer }, subjectaltname: cert.subjectAltName } as never)?.message]).toEqual([w.service, field, undefined]);
      }
    }
  });

  test("probes each container on its own ports: the image's probe over TLS, the kubelet's grpc probe only without TLS", () => {
    expect(existsSync(join(root, healthProbeScript.replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
    for (const { w, env } of environments()) {
      const tls = loadConfig[w.service](env).grpcSecurity.tls !== undefined;
      const served = grpcServicesOf(w.service);
      expect([w.service, w.container.readinessProbe !== undefined, w.container.livenessProbe !== undefined]).toEqual([w.service, true, true]);
      for (const kind of probeKinds) {
        const target = probeTarget(w, kind);
        if (!target) continue;
        const port = containerPort(w, target.port);
        expect([w.service, kind, port?.containerPort]).toEqual([w.service, kind, target.port]);
        if (target.how === 'exec') {
          expect([w.service, kind, target.host, port?.name]).toEqual([w.service, kind, '127.0.0.1', 'grpc']);
          // The probe speaks TLS only when it finds the CA in its environment, as the service's does.
          expect([w.service, kind, env.GRPC_TLS_CA !== undefined]).toEqual([w.service, kind, tls]);
        }
        if (target.how === 'grpc') expect([w.service, kind, tls]).toEqual([w.service, kind, false]);
        if (target.how === 'http') expect([w.service, kind, target.path]).toEqual([w.service, kind, '/healthz']);
        if (target.how !== 'http' && target.service) expect(served).toContain(target.service);
      }
      // Readiness is asked where clients come in.
      expect([w.service, containerPort(w, probeTarget(w, 'readinessProbe')!.port)?.name]).toEqual([w.service, clientPort[w.service]]);
    }
  });

  test('keeps a pod of each service through voluntary disruptions, and scales the gateway on CPU', () => {
    const budgets = byKind(objects, 'PodDisruptionBudget');
    for (const w of deployed) {
      const labels = w.deployment.spec.template.metadata.labels;
      const own = budgets.filter((b) => selects(b.spec.selector.matchLabels, labels));
      expect([w.service, own.length, own[0]?.spec.maxUnavailable]).toEqual([w.service, 1, 1]);
    }
    const autoscalers = byKind(objects, 'HorizontalPodAutoscaler');
    expect(autoscalers.map((a) => a.spec.scaleTargetRef.name)).toEqual(['gateway']);
    const [hpa] = autoscalers;
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['cpu']);
    const gateway = deployed.find((w) => w.service === 'gateway')!;
    // Utilization is a share of the request; a replicas field would be reset on every apply.
    expect(gateway.container.resources.requests.cpu).toBeDefined();
    expect(gateway.deployment.spec.replicas).toBeUndefined();
    // The media bridge runs one pod: browsers are handed its Janus's address (base/media-bridge.yaml).
    for (const w of deployed.filter((d) => d.service !== 'gateway' && d.service !== 'media-bridge')) expect([w.service, w.deployment.spec.replicas >= 2]).toEqual([w.service, true]);
    const bridge = deployed.find((w) => w.service === 'media-bridge');
    if (bridge) expect(bridge.deployment.spec.replicas).toBe(1);
  });

  test('runs every container as a non-root user with nothing to escalate, and nothing from the Kubernetes API', () => {
    for (const w of deployed) {
      expect([w.service, w.pod.securityContext]).toEqual([w.service, expect.objectContaining({ runAsNonRoot: true, runAsUser: expect.any(Number), seccompProfile: { type: 'RuntimeDefault' } })]);
      expect(w.pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect([w.service, w.container.securityContext]).toEqual([w.service, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }]);
      expect([w.service, w.pod.automountServiceAccountToken, w.pod.enableServiceLinks]).toEqual([w.service, false, false]);
    }
  });

  test('requests CPU and memory, limits memory', () => {
    for (const w of deployed) {
      const { requests, limits } = w.container.resources;
      expect([w.service, requests.cpu !== undefined, requests.memory !== undefined, limits?.memory !== undefined]).toEqual([w.service, true, true, true]);
    }
  });

  test('gives each pod the time to leave the endpoints and drain: grace >= preStop + the drain budget', () => {
    for (const w of deployed) {
      expect([w.service, w.pod.terminationGracePeriodSeconds >= preStopSeconds(w) + drainBudgetSeconds]).toEqual([w.service, true]);
    }
    // The gateway keeps its sockets while load balancers stop sending new ones.
    expect(preStopSeconds(deployed.find((w) => w.service === 'gateway')!)).toBeGreaterThanOrEqual(5);
  });
});
