// Checks the Kubernetes manifests (deploy/k8s) and the Grafana dashboard (deploy/grafana-dashboard.json)
// without a cluster: every YAML document is parsed, and the pieces that must agree with each other and
// with the server (ports, probe paths, the drain on SIGTERM, setting names, metric names) are compared.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const K8S = 'deploy/k8s';
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The server's default SHUTDOWN_TIMEOUT in seconds (server/src/config.ts). */
const DEFAULT_SHUTDOWN_SECONDS = 8;

// ---- types: only the fields the checks read --------------------------------------------------------

type Labels = Record<string, string>;
type Metadata = { name?: string; namespace?: string; labels?: Labels };
type Resource = { apiVersion?: string; kind?: string; metadata?: Metadata; [key: string]: unknown };
type Source = { file: string; resource: Resource };

type Probe = { httpGet?: { path?: string; port?: string | number }; periodSeconds?: number; failureThreshold?: number };
type Container = {
  name: string;
  image?: string;
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    valueFrom?: { configMapKeyRef?: { name: string }; secretKeyRef?: { name: string } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command?: string[] }; sleep?: { seconds?: number } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
  volumeMounts?: { name: string; mountPath: string }[];
};
type PodSpec = {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string; emptyDir?: object }[];
  topologySpreadConstraints?: { topologyKey: string; labelSelector?: { matchLabels?: Labels } }[];
  affinity?: { podAntiAffinity?: unknown };
};
type Deployment = Resource & {
  spec: {
    replicas?: number;
    selector: { matchLabels: Labels };
    template: { metadata: { labels: Labels }; spec: PodSpec };
  };
};
type Service = Resource & {
  spec: { type?: string; selector: Labels; ports: { name?: string; port: number; targetPort?: string | number }[] };
};
type Hpa = Resource & {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: { type: string; resource?: { name: string; target: { averageUtilization?: number } } }[];
  };
};
type Pdb = Resource & { spec: { selector: { matchLabels: Labels }; minAvailable?: unknown; maxUnavailable?: unknown } };
type ConfigMap = Resource & { data?: Record<string, unknown> };
type Secret = Resource & { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
type Ingress = Resource & {
  metadata: Metadata & { annotations?: Record<string, string> };
  spec: {
    rules?: {
      http?: {
        paths: { path?: string; backend: { service?: { name: string; port: { name?: string; number?: number } } } }[];
      };
    }[];
  };
};
type Kustomization = { apiVersion?: string; kind?: string; resources?: string[] };

// ---- the manifests ---------------------------------------------------------------------------------

const yamlFiles = readdirSync(join(ROOT, K8S))
  .filter((file) => /\.ya?ml$/.test(file))
  .sort();
const KUSTOMIZATION = 'kustomization.yaml';
/** Templates are filled in by the operator and applied on their own, never by `kubectl apply -k`. */
const isTemplate = (file: string) => /\.template\.ya?ml$/.test(file);

const parseErrors: string[] = [];
const documents: { file: string; value: unknown }[] = [];
for (const file of yamlFiles) {
  for (const doc of parseAllDocuments(read(`${K8S}/${file}`))) {
    for (const error of [...doc.errors, ...doc.warnings]) parseErrors.push(`${file}: ${error.message}`);
    const value: unknown = doc.toJS();
    // An empty document (a trailing `---`) holds nothing to apply.
    if (value !== null && value !== undefined) documents.push({ file, value });
  }
}

const sources: Source[] = documents
  .filter(({ file }) => file !== KUSTOMIZATION)
  .map(({ file, value }) => ({ file, resource: value as Resource }));
const all = <T extends Resource>(kind: string) =>
  sources.filter(({ resource }) => resource.kind === kind).map(({ resource }) => resource as T);
const one = <T extends Resource>(kind: string): T => {
  const found = all<T>(kind);
  expect(found, `exactly one ${kind} in ${K8S}`).toHaveLength(1);
  return found[0]!;
};

const deployment = () => one<Deployment>('Deployment');
const podSpec = () => deployment().spec.template.spec;
const container = () => {
  const { containers } = podSpec();
  expect(containers).toHaveLength(1);
  return containers[0]!;
};
const podLabels = () => deployment().spec.template.metadata.labels;
const httpPort = () => {
  const port = (container().ports ?? []).find(({ name }) => name === 'http');
  expect(port, 'the container has a port named http').toBeDefined();
  return port!;
};

/** Every `NAME=` line of .env.example: the settings the server reads. */
const envExampleNames = new Set(
  read('.env.example')
    .split(/\r?\n/)
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined),
);

/** A config.ts duration ("8s", "1500ms", "2m", or seconds without a unit) in seconds. */
function seconds(value: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!match) throw new Error(`not a duration: ${value}`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Every key/value of `selector` is among `labels` (and the selector is not empty). */
function selects(selector: Labels | undefined, labels: Labels): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** A probe's or Service's port, given by name or number, is this container port. */
const isPort = (port: string | number | undefined, { name, containerPort }: { name?: string; containerPort: number }) =>
  port === name || port === containerPort;

describe(`${K8S} manifests`, () => {
  it('parse as YAML, each document a named resource with no namespace of its own', () => {
    expect(parseErrors).toEqual([]);
    expect(yamlFiles).toContain(KUSTOMIZATION);
    expect(sources.length).toBeGreaterThan(0);
    for (const { file, resource } of sources) {
      const where = `${file} (${resource.kind ?? 'no kind'})`;
      expect(typeof resource, where).toBe('object');
      expect(resource.apiVersion, `${where}: apiVersion`).toMatch(/^[\w.-]+(\/[\w.-]+)?$/);
      expect(resource.kind, `${where}: kind`).toMatch(/^[A-Z]\w+$/);
      expect(resource.metadata?.name, `${where}: metadata.name`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      // Namespace-agnostic: `kubectl apply -n` or a kustomize overlay chooses it.
      expect(resource.metadata?.namespace, `${where}: metadata.namespace`).toBeUndefined();
    }
    const ids = sources.map(({ resource }) => `${resource.kind}/${resource.metadata?.name}`);
    expect(new Set(ids).size, `duplicate resources: ${ids.join(', ')}`).toBe(ids.length);
  });

  it('has a Deployment, Service, HorizontalPodAutoscaler, ConfigMap, Secret and PodDisruptionBudget', () => {
    const kinds = sources.map(({ resource }) => resource.kind);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment',
        'Service',
        'HorizontalPodAutoscaler',
        'ConfigMap',
        'Secret',
        'PodDisruptionBudget',
      ]),
    );
  });

  it('lists every manifest in kustomization.yaml, except the secret template', () => {
    const kustomizations = documents.filter(({ file }) => file === KUSTOMIZATION);
    expect(kustomizations).toHaveLength(1);
    const kustomization = kustomizations[0]!.value as Kustomization;
    expect(kustomization.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(kustomization.kind).toBe('Kustomization');
    const listed = [...(kustomization.resources ?? [])].sort();
    // A template applied with the rest would overwrite the real secret with its placeholders.
    const expected = yamlFiles.filter((file) => file !== KUSTOMIZATION && !isTemplate(file));
    expect(listed).toEqual(expected);
    expect(yamlFiles.some(isTemplate), 'the secret template is in the folder').toBe(true);
  });

  it('runs the chat-server image as a hardened, resourced Deployment on port 4000', () => {
    const { metadata, spec } = deployment();
    expect(metadata?.name).toBe('chat-server');
    expect(spec.replicas).toBe(3);
    expect(selects(spec.selector.matchLabels, podLabels()), 'the selector matches the pod labels').toBe(true);
    const main = container();
    expect(main.image).toBe('chat-server:latest');
    expect(httpPort().containerPort).toBe(4000);

    const pod = podSpec();
    expect(pod.securityContext?.runAsNonRoot ?? main.securityContext?.runAsNonRoot).toBe(true);
    // The image's user is a name (`node`), which the kubelet cannot check against runAsNonRoot.
    expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(main.securityContext?.readOnlyRootFilesystem).toBe(true);
    expect(main.securityContext?.allowPrivilegeEscalation).toBe(false);
    // With a read-only root, the data directory and /tmp are emptyDir volumes.
    const emptyDirs = new Set((pod.volumes ?? []).filter((volume) => volume.emptyDir).map(({ name }) => name));
    const mounted = (path: string) =>
      (main.volumeMounts ?? []).some(({ name, mountPath }) => mountPath === path && emptyDirs.has(name));
    expect(mounted('/app/data'), 'an emptyDir at /app/data').toBe(true);
    expect(mounted('/tmp'), 'an emptyDir at /tmp').toBe(true);

    for (const kind of ['requests', 'limits'] as const) {
      expect(main.resources?.[kind]?.cpu, `${kind}.cpu`).toBeDefined();
      expect(main.resources?.[kind]?.memory, `${kind}.memory`).toBeDefined();
    }

    // Replicas spread over nodes.
    const spread = (pod.topologySpreadConstraints ?? []).some(
      ({ topologyKey, labelSelector }) =>
        topologyKey === 'kubernetes.io/hostname' && selects(labelSelector?.matchLabels, podLabels()),
    );
    expect(spread || pod.affinity?.podAntiAffinity !== undefined, 'spread across nodes').toBe(true);
  });

  it('probes readiness on /readyz and liveness on /healthz at the container port, liveness more leniently', () => {
    const main = container();
    const port = httpPort();
    const { readinessProbe, livenessProbe, startupProbe } = main;
    expect(readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(isPort(readinessProbe?.httpGet?.port, port), 'readiness probes the http port').toBe(true);
    expect(livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(isPort(livenessProbe?.httpGet?.port, port), 'liveness probes the http port').toBe(true);
    if (startupProbe) {
      expect(['/healthz', '/readyz']).toContain(startupProbe.httpGet?.path);
      expect(isPort(startupProbe.httpGet?.port, port), 'the startup probe probes the http port').toBe(true);
    }
    // Kubernetes' defaults: every 10 s, 3 failures.
    const window = (probe: Probe | undefined) => (probe?.periodSeconds ?? 10) * (probe?.failureThreshold ?? 3);
    expect(window(livenessProbe)).toBeGreaterThan(window(readinessProbe));
  });

  it('gives the SIGTERM drain time: grace period >= preStop sleep + SHUTDOWN_TIMEOUT + 1 s', () => {
    const preStop = container().lifecycle?.preStop;
    const command = preStop?.exec?.command ?? [];
    const sleep = preStop?.sleep?.seconds ?? Number(/^(?:\S*\/)?sleep\s+(\d+)$/.exec(command.join(' ').trim())?.[1]);
    expect(sleep, `preStop sleeps (got ${JSON.stringify(preStop)})`).toBeGreaterThan(0);

    const configured = all<ConfigMap>('ConfigMap')
      .map(({ data }) => data?.SHUTDOWN_TIMEOUT)
      .find((value) => typeof value === 'string' && value !== '');
    const shutdown = typeof configured === 'string' ? seconds(configured) : DEFAULT_SHUTDOWN_SECONDS;
    expect(shutdown).toBeGreaterThanOrEqual(DEFAULT_SHUTDOWN_SECONDS);

    const grace = podSpec().terminationGracePeriodSeconds ?? 30;
    expect(grace).toBeGreaterThanOrEqual(sleep + shutdown + 1);
  });

  it('takes its environment from the ConfigMap and Secret in this folder', () => {
    const main = container();
    const configMaps = new Set(all<ConfigMap>('ConfigMap').map(({ metadata }) => metadata?.name));
    const secrets = new Set(all<Secret>('Secret').map(({ metadata }) => metadata?.name));
    const fromConfigMaps = [
      ...(main.envFrom ?? []).map(({ configMapRef }) => configMapRef?.name),
      ...(main.env ?? []).map(({ valueFrom }) => valueFrom?.configMapKeyRef?.name),
    ].filter((name): name is string => name !== undefined);
    const fromSecrets = [
      ...(main.envFrom ?? []).map(({ secretRef }) => secretRef?.name),
      ...(main.env ?? []).map(({ valueFrom }) => valueFrom?.secretKeyRef?.name),
    ].filter((name): name is string => name !== undefined);
    expect(fromConfigMaps).toContain('chat-config');
    expect(fromSecrets).toContain('chat-secrets');
    for (const name of fromConfigMaps) expect(configMaps, `ConfigMap ${name}`).toContain(name);
    for (const name of fromSecrets) expect(secrets, `Secret ${name}`).toContain(name);
    // Variables set on the container itself are settings too.
    for (const { name } of main.env ?? []) expect(envExampleNames, `env ${name}`).toContain(name);
  });

  it('sets only variables the server reads (every name is in .env.example), as strings', () => {
    expect(envExampleNames.size).toBeGreaterThan(10);
    const configMap = one<ConfigMap>('ConfigMap');
    const secret = one<Secret>('Secret');
    const settings = [
      ...Object.entries(configMap.data ?? {}),
      ...Object.entries(secret.stringData ?? {}),
      ...Object.entries(secret.data ?? {}),
    ];
    expect(settings.length).toBeGreaterThan(0);
    for (const [name, value] of settings) {
      expect(envExampleNames, `${name} is not in .env.example`).toContain(name);
      // Kubernetes refuses ConfigMap and Secret values that are YAML numbers or booleans.
      expect(typeof value, `${name} is a string (quote it)`).toBe('string');
    }
  });

  it('configures production behind a proxy, and drains on the same data directory the Deployment mounts', () => {
    const { data = {} } = one<ConfigMap>('ConfigMap');
    expect(data.NODE_ENV).toBe('production');
    expect(data.TRUST_PROXY).toBe('true');
    expect(data.PORT).toBe(String(httpPort().containerPort));
    if (data.DATA_DIR !== undefined) {
      expect((container().volumeMounts ?? []).map(({ mountPath }) => mountPath)).toContain(data.DATA_DIR);
    }
  });

  it('templates the secrets with clearly marked placeholders', () => {
    const templates = sources.filter(({ file }) => isTemplate(file)).map(({ resource }) => resource as Secret);
    expect(templates.map(({ kind }) => kind)).toEqual(['Secret']);
    const secret = templates[0]!;
    expect(secret.metadata?.name).toBe('chat-secrets');
    expect(Object.keys(secret.stringData ?? {}).sort()).toEqual([
      'DATABASE_URL',
      'JWT_SECRET',
      'REDIS_URL',
      'S3_ACCESS_KEY_ID',
      'S3_BUCKET',
      'S3_SECRET_ACCESS_KEY',
      'S3_URL',
    ]);
    for (const [name, value] of Object.entries(secret.stringData ?? {})) {
      expect(String(value), `${name} is a placeholder to replace`).toMatch(/REPLACE/);
    }
  });

  it("routes the Service to the Deployment's pods and named port", () => {
    const service = one<Service>('Service');
    expect(service.metadata?.name).toBe('chat-server');
    expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
    expect(selects(service.spec.selector, podLabels()), 'the Service selects the pod labels').toBe(true);
    expect(service.spec.ports).toHaveLength(1);
    const [port] = service.spec.ports;
    expect(port!.port).toBe(80);
    expect(port!.targetPort).toBe(httpPort().name);
  });

  it('scales the Deployment on CPU between 3 and 12 replicas', () => {
    const { spec } = one<Hpa>('HorizontalPodAutoscaler');
    const target = deployment();
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: target.metadata?.name });
    expect(spec.minReplicas).toBe(3);
    expect(spec.maxReplicas).toBe(12);
    expect(target.spec.replicas).toBeGreaterThanOrEqual(spec.minReplicas!);
    expect(target.spec.replicas).toBeLessThanOrEqual(spec.maxReplicas);
    const cpu = (spec.metrics ?? []).find(({ type, resource }) => type === 'Resource' && resource?.name === 'cpu');
    expect(cpu?.resource?.target.averageUtilization).toBe(70);
    // Utilization is a share of the request, so the container must have one.
    expect(container().resources?.requests?.cpu).toBeDefined();
  });

  it("protects the Deployment's pods with a PodDisruptionBudget", () => {
    const { spec } = one<Pdb>('PodDisruptionBudget');
    expect(selects(spec.selector.matchLabels, podLabels()), 'the PDB selects the pod labels').toBe(true);
    expect(spec.minAvailable !== undefined || spec.maxUnavailable !== undefined).toBe(true);
  });

  it('keeps attachments in object storage, and lets the ingress pass uploads of the largest size', () => {
    const { data = {} } = one<ConfigMap>('ConfigMap');
    // Local disk is per replica (an emptyDir): the template asks for the S3 store's settings.
    const template = sources.find(({ file }) => isTemplate(file))!.resource as Secret;
    expect(Object.keys(template.stringData ?? {})).toEqual(expect.arrayContaining(['S3_BUCKET', 'S3_ACCESS_KEY_ID']));
    const maxBytes = Number(data.MAX_ATTACHMENT_BYTES ?? 25 * 1024 * 1024);
    for (const ingress of all<Ingress>('Ingress')) {
      const size = /^(\d+)([kmg]?)$/i.exec(
        String(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'] ?? '1m'),
      );
      expect(size, 'proxy-body-size is a size').not.toBeNull();
      const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[size![2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
      expect(Number(size![1]) * unit).toBeGreaterThan(maxBytes);
    }
  });

  it('points any Ingress at the Service, with WebSocket-friendly timeouts', () => {
    const service = one<Service>('Service');
    for (const ingress of all<Ingress>('Ingress')) {
      expect(Number(ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThan(
        60,
      );
      const backends = (ingress.spec.rules ?? []).flatMap(({ http }) => http?.paths ?? []);
      expect(backends.length).toBeGreaterThan(0);
      expect(backends.map(({ path }) => path)).toContain('/graphql');
      for (const { backend } of backends) {
        expect(backend.service?.name).toBe(service.metadata?.name);
        const { name, number } = backend.service!.port;
        expect(
          service.spec.ports.some((port) => port.name === name || port.port === number),
          `Service port ${name ?? number}`,
        ).toBe(true);
      }
    }
  });
});

// ---- deploy/k8s/redis-cluster: the overlay for a Redis Cluster ---------------------------------------

const OVERLAY = `${K8S}/redis-cluster`;
const overlayDocs = (file: string) =>
  parseAllDocuments(read(`${OVERLAY}/${file}`)).map((doc) => {
    expect(
      [...doc.errors, ...doc.warnings].map((e) => e.message),
      file,
    ).toEqual([]);
    return doc.toJS() as Resource;
  });

describe(`${OVERLAY} overlay`, () => {
  const kustomization = overlayDocs('kustomization.yaml')[0] as Kustomization & { patches?: { path: string }[] };
  const resources = overlayDocs('redis-cluster.yaml');
  const statefulSet = resources.find((r) => r.kind === 'StatefulSet') as Resource & {
    spec: {
      serviceName: string;
      replicas: number;
      template: { spec: { containers: (Container & { args?: string[] })[] } };
    };
  };
  const service = resources.find((r) => r.kind === 'Service') as Service & { spec: { clusterIP?: string } };
  const job = resources.find((r) => r.kind === 'Job') as Resource & {
    spec: { template: { spec: { containers: { command: string[] }[] } } };
  };
  const patch = overlayDocs('configmap-patch.yaml')[0] as ConfigMap;
  /** The pods' stable names, as the nodes announce them: NAME-i.SERVICE. */
  const nodes = () =>
    Array.from(
      { length: statefulSet.spec.replicas },
      (_, i) => `${statefulSet.metadata!.name}-${i}.${service.metadata!.name}`,
    );

  it('builds on the base, adding the cluster and patching the settings', () => {
    expect(kustomization.resources).toEqual(['../', 'redis-cluster.yaml']);
    expect(kustomization.patches?.map((p) => p.path)).toEqual(['configmap-patch.yaml']);
    // The patch targets the base's ConfigMap, and sets only a setting the server reads.
    expect(patch.metadata?.name).toBe(one<ConfigMap>('ConfigMap').metadata?.name);
    expect(Object.keys(patch.data ?? {})).toEqual(['REDIS_CLUSTER_NODES']);
    expect(envExampleNames.has('REDIS_CLUSTER_NODES')).toBe(true);
    // The base's ConfigMap never sets REDIS_URL (the secret does; the overlay's secret must not).
    expect(Object.keys(one<ConfigMap>('ConfigMap').data ?? {})).not.toContain('REDIS_URL');
  });

  it('runs three Redis masters in cluster mode behind a headless Service, announcing stable hostnames', () => {
    expect(statefulSet.spec.replicas).toBe(3);
    expect(statefulSet.spec.serviceName).toBe(service.metadata!.name);
    expect(service.spec.clusterIP).toBe('None');
    const args = statefulSet.spec.template.spec.containers[0]!.args!.join(' ');
    expect(args).toMatch(/--cluster-enabled yes/);
    expect(args).toContain(`--cluster-announce-hostname $(POD_NAME).${service.metadata!.name}`);
    expect(args).toMatch(/--cluster-preferred-endpoint-type hostname/);
    expect(statefulSet.spec.template.spec.containers[0]!.image).toMatch(/^redis:(7|8)/);
  });

  it('points the replicas at exactly those nodes, and the Job makes exactly those a cluster', () => {
    expect(String(patch.data!.REDIS_CLUSTER_NODES).split(',')).toEqual(nodes().map((node) => `${node}:6379`));
    const script = job.spec.template.spec.containers[0]!.command.join(' ');
    expect(script).toMatch(/redis-cli --cluster create/);
    for (const node of nodes()) expect(script).toContain(`$$(getent hosts ${node} `);
  });
});

// ---- deploy/grafana-dashboard.json ----------------------------------------------------------------

/** The metrics the server exposes at /metrics (server/src/infra/metrics.ts). */
const SERVER_METRICS = {
  chat_ws_connections: 'gauge',
  chat_subscriptions_active: 'gauge',
  chat_messages_stored_total: 'counter',
  chat_events_delivered_total: 'counter',
  chat_delivery_lag_seconds: 'histogram',
  chat_graphql_operation_duration_seconds: 'histogram',
  chat_pubsub_reconnects_total: 'counter',
  chat_rate_limit_refusals_total: 'counter',
  chat_db_pool_connections: 'gauge',
} as const;
/** prom-client's default metrics the dashboard may read. */
const DEFAULT_METRICS = [
  'process_resident_memory_bytes',
  'process_cpu_seconds_total',
  'nodejs_eventloop_lag_p99_seconds',
  'nodejs_heap_size_used_bytes',
];

type Target = { expr?: string; datasource?: { type?: string; uid?: string } };
type Panel = { type: string; title?: string; targets?: Target[]; panels?: Panel[]; datasource?: Target['datasource'] };
type Dashboard = {
  __inputs?: { name: string; type: string; pluginId?: string }[];
  schemaVersion?: number;
  title?: string;
  uid?: string;
  panels?: Panel[];
  templating?: { list?: { name: string; definition?: string; query?: unknown }[] };
};

describe('deploy/grafana-dashboard.json', () => {
  const text = read('deploy/grafana-dashboard.json');
  const dashboard = JSON.parse(text) as Dashboard;
  const panels = (dashboard.panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
  const queries = [
    ...panels.flatMap(({ targets }) => (targets ?? []).map(({ expr }) => expr ?? '')),
    ...(dashboard.templating?.list ?? []).flatMap(({ definition, query }) => [
      definition ?? '',
      typeof query === 'string' ? query : JSON.stringify(query ?? ''),
    ]),
  ];

  /** A name as queried, with a histogram's series suffix dropped. */
  const base = (name: string) => {
    const histogram = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    const known = SERVER_METRICS as Record<string, string>;
    return histogram !== undefined && known[histogram] === 'histogram' ? histogram : name;
  };

  it('is a Grafana dashboard with a Prometheus datasource input', () => {
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.__inputs).toContainEqual(
      expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' }),
    );
    const queried = panels.filter(({ type }) => type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(12);
    for (const panel of queried) {
      expect(panel.datasource?.uid, `${panel.title}: datasource`).toBe('${DS_PROMETHEUS}');
      expect(panel.targets?.length, `${panel.title}: queries`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr, `${panel.title}: expr`).toBeTruthy();
    }
  });

  it('queries only metrics the server exposes, and every one of them', () => {
    // The whole file: queries, and descriptions that name metrics.
    const named = new Set([...text.matchAll(/\b(?:chat|process|nodejs)_[a-z0-9_]+/g)].map(([name]) => base(name)));
    const known = new Set([...Object.keys(SERVER_METRICS), ...DEFAULT_METRICS]);
    for (const name of named) expect(known, `${name} is not a metric the server exposes`).toContain(name);
    const used = new Set(
      queries.flatMap((query) => [...query.matchAll(/\bchat_[a-z_]+/g)].map(([name]) => base(name))),
    );
    for (const name of Object.keys(SERVER_METRICS)) expect(used, `no panel reads ${name}`).toContain(name);
  });

  it('reads histograms through their buckets with histogram_quantile', () => {
    for (const query of queries) {
      for (const [name] of query.matchAll(/\bchat_[a-z_]+_bucket\b/g)) {
        expect(query, name).toMatch(/histogram_quantile\(/);
        expect(query, name).toMatch(/\ble\b/);
      }
    }
    const lag = queries.filter((query) => query.includes('chat_delivery_lag_seconds_bucket'));
    expect(lag.some((query) => query.includes('histogram_quantile(0.5,'))).toBe(true);
    expect(lag.some((query) => query.includes('histogram_quantile(0.99,'))).toBe(true);
  });

  it('reads counters through rate() or increase()', () => {
    for (const query of queries) {
      for (const [name] of query.matchAll(/\b(?:chat_[a-z_]+_total|process_cpu_seconds_total)\b/g)) {
        expect(query, `${name} in ${query}`).toMatch(new RegExp(`(rate|increase)\\(${name}\\b`));
      }
    }
  });
});
