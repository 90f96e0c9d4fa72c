// The lab's Kubernetes API server: HTTPS on 127.0.0.1 with its own CA, bearer-token users,
// discovery, core/v1 REST with watch and server-side tables, and the controllers that make
// the objects happen (scheduler, kubelets, endpoints, garbage collector, namespaces).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { LabNetworkControl, LabNode, PodRuntime } from '../contracts.ts';
import { Authenticator, type LabUser, type PolicyRule } from './auth.ts';
import { Deleter, type DeleteOptions } from './deletion.ts';
import { apiGroup, apiGroupList, apiVersions, coreResourceList, resourceList, versionInfo } from './discovery.ts';
import { EventRecorder } from './events.ts';
import { Faults, type ErrorFault } from './faults.ts';
import { FlowControl, type ControlPlaneCosts } from './flow-control.ts';
import { GarbageCollector } from './gc.ts';
import { Handlers } from './handlers.ts';
import { ImagePulls, type PullTrouble } from './image-pulls.ts';
import { Kubelets } from './kubelet.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { serveLogs } from './logs.ts';
import { NamespaceController, SYSTEM_NAMESPACES } from './namespaces.ts';
import { nodeObject } from './nodes.ts';
import { openApiV3Document, openApiV3Index } from './openapi.ts';
import { PATCH_TYPES, parsePatchBody } from './patch.ts';
import { decodeProtobufObject, isProtobuf } from './protobuf.ts';
import { ensurePki } from './pki.ts';
import { apiGroupsOf, apiVersionOf, customResourceName, RESOURCES, resourceByKind, resourceByName, servedResources, SUBRESOURCE_VERBS, type ResourceDef } from './registry.ts';
import { Scheduler } from './scheduler.ts';
import { fieldSelector, labelSelector, type Matcher } from './selectors.ts';
import { ClusterIPAllocator, DEFAULT_SERVICE_DELAYS, EndpointsController, type ServiceDelays } from './services.ts';
import { ApiError, badRequest, forbidden } from './status.ts';
import { Store, type KObject, type ObjectInput } from './store.ts';
import { toTable, type IncludeObject } from './tables.ts';
import { WatchHub } from './watch.ts';

export interface ApiServerOptions {
  nodes: LabNode[];
  runtime: PodRuntime;
  network: LabNetworkControl;
  /** Must be a loopback address: the lab API is never reachable from elsewhere. */
  host: string;
  /** 0 or absent: any free port. */
  port?: number;
  /** PKI lives in `<stateDir>/pki` and is reused across restarts. */
  stateDir: string;
  /** What the `lab-restricted` user may do; read-only by default. */
  restrictedRules?: PolicyRule[];
  /** How often watches that allow bookmarks get one; the real API server sends one about every minute. */
  bookmarkIntervalMs?: number;
  /** How many changes watches can resume from before they get 410 Gone. */
  watchHistory?: number;
  /** How much a watch may have written and its client not yet read before the watch is ended (32 MiB by default). */
  watchBufferBytes?: number;
  /** Errors of background work (e.g. the network refusing a Service). */
  onError?: (error: Error) => void;
  /** How far behind pods' readiness Services' endpoints and rules follow. */
  serviceDelays?: ServiceDelays;
  /** Request latency, per-client budget and scheduler rate (flow-control.ts); none by default. */
  costs?: ControlPlaneCosts;
}

export interface ApiServer {
  url: string;
  caPem: string;
  /** Writes a kubeconfig with contexts "lab" (admin, current) and "lab-restricted". */
  kubeconfig(path: string, options?: { namespace?: string }): void;
  /** Creates objects (any served kind) as the admin would, with defaulting and validation. */
  seed(objects: ObjectInput[]): KObject[];
  /** Answers the next requests matching the fault with 429 or 500. */
  injectErrors(fault: ErrorFault): void;
  clearErrors(): void;
  /** Makes image pulls fail (ErrImagePull, then the kubelet's back-off) or slow for a while. */
  spoilImagePulls(trouble: PullTrouble): void;
  /** Cuts every open watch connection; returns how many there were. */
  dropWatches(): number;
  /** Forgets the change history: watches resuming from older versions get 410 Gone. */
  compact(): void;
  /** Requests served per "verb resource" since start. */
  requestCounts(): Record<string, number>;
  /** Requests answered 429 for the per-client budget, per "verb resource". */
  throttledCounts(): Record<string, number>;
  /** Changes the control plane's costs from now on. */
  setCosts(costs: ControlPlaneCosts): void;
  setRestrictedRules(rules: PolicyRule[]): void;
  /**
   * Serves exactly these custom resources (`<plural>.<group>`, e.g. globalnetworkpolicies.crd.projectcalico.org),
   * as once their CustomResourceDefinitions are installed; objects of one no longer served are gone.
   */
  installCustomResources(names: string[]): void;
  close(): Promise<void>;
}

const MAX_BODY = 3 * 1024 * 1024; // the API server's request body limit (apiserver MaxRequestBodyBytes)

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The request body as an object: JSON, or the protobuf kubectl's typed clients send. */
function parseBody(req: IncomingMessage, body: Buffer): unknown {
  if (isProtobuf(req.headers['content-type'])) return decodeProtobufObject(body);
  const text = body.toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`error decoding request body: ${(err as Error).message}`);
  }
}

function checkServiceDelays(body: unknown): Partial<ServiceDelays> {
  const delays = (body ?? {}) as Record<string, unknown>;
  for (const key of ['endpointsDelayMs', 'proxyDelayMs']) {
    if (delays[key] !== undefined && !(typeof delays[key] === 'number' && delays[key] >= 0)) throw badRequest(`${key} must be a number of milliseconds >= 0`);
  }
  return delays as Partial<ServiceDelays>;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) return void res.destroy();
  // 429 carries Retry-After, which client-go and client-node's callers honour.
  if (err.details?.retryAfterSeconds) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
  sendJson(res, err.code, err.toStatus());
}

const notFoundPath = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

interface Route { def: ResourceDef; namespace?: string; name?: string; subresource?: string }

/** Maps /api/v1/… (or /apis/<group>/<version>/…) to a served resource; "namespaces/<ns>/status" is the namespace's own subresource. */
function route(rest: string[], group: string, served: readonly ResourceDef[]): Route {
  let namespace: string | undefined;
  let parts = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && ['status', 'finalize'].includes(rest[2]))) {
    namespace = rest[1];
    parts = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = parts;
  const def = resourceByName(resource, group, served);
  if (!def || extra.length || (namespace !== undefined && !def.namespaced) || (namespace === undefined && def.namespaced && name)) throw notFoundPath();
  if (subresource && !def.subresources.includes(subresource)) throw notFoundPath();
  return { def, namespace, name, subresource };
}

function verbOf(method: string, r: Route, watch: boolean): string {
  switch (method) {
    case 'GET': return r.name ? 'get' : watch ? 'watch' : 'list';
    case 'POST': if (!r.name) return 'create'; break;
    case 'PUT': if (r.name) return 'update'; break;
    case 'PATCH': if (r.name) return 'patch'; break;
    case 'DELETE': return r.name ? 'delete' : 'deletecollection';
  }
  throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  if (!/^127\.\d+\.\d+\.\d+$/.test(options.host)) throw new Error(`the lab API listens on loopback only, not ${options.host}`);
  const pki = ensurePki(join(options.stateDir, 'pki'), options.host);
  const onError = options.onError ?? ((err: Error) => process.stderr.write(`lab api: ${err.message}\n`));
  const auth = new Authenticator(options.restrictedRules);
  const store = new Store(options.watchHistory);
  const events = new EventRecorder(store);
  const deleter = new Deleter(store);
  const allocator = new ClusterIPAllocator(options.network.serviceCIDR, store);
  const handlers = new Handlers(store, deleter, allocator);
  const faults = new Faults();
  const imagePulls = new ImagePulls();
  const flow = new FlowControl(options.costs);
  const watches = new WatchHub(store, options.watchBufferBytes);
  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
  let served = servedResources(new Set());

  const controllers = {
    scheduler: new Scheduler(store, events, onError, () => flow.current.schedulerQps),
    kubelets: new Kubelets(store, options.nodes, options.runtime, events, deleter, imagePulls, onError),
    endpoints: new EndpointsController(store, options.network, onError, { ...(options.serviceDelays ?? DEFAULT_SERVICE_DELAYS) }),
    gc: new GarbageCollector(store, deleter, onError),
    namespaces: new NamespaceController(store, deleter, onError),
  };

  function seed(objects: ObjectInput[]): KObject[] {
    return objects.map((obj) => {
      const def = resourceByKind(obj.kind ?? '', served);
      if (!def) throw new Error(`cannot seed kind ${obj.kind}`);
      return handlers.create(def, def.namespaced ? obj.metadata.namespace ?? 'default' : undefined, obj, false);
    });
  }

  for (const node of options.nodes) store.create('nodes', nodeObject(node));
  seed(SYSTEM_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })));

  async function labEndpoint(req: IncomingMessage, res: ServerResponse, user: LabUser, path: string): Promise<void> {
    if (user !== auth.admin) throw forbidden(user.name, req.method!.toLowerCase(), 'lab', undefined);
    const body = parseBody(req, await readBody(req));
    switch (`${req.method} ${path}`) {
      case 'POST /lab/v1/faults':
        faults.inject(body as ErrorFault);
        return sendJson(res, 201, body);
      case 'DELETE /lab/v1/faults':
        faults.clear();
        return sendJson(res, 200, {});
      case 'POST /lab/v1/image-pulls':
        imagePulls.spoil(body as PullTrouble);
        return sendJson(res, 201, body);
      case 'DELETE /lab/v1/image-pulls':
        imagePulls.clear();
        return sendJson(res, 200, {});
      case 'PUT /lab/v1/service-delays':
        Object.assign(controllers.endpoints.delays, checkServiceDelays(body));
        return sendJson(res, 200, controllers.endpoints.delays);
      case 'POST /lab/v1/drop-watches':
        return sendJson(res, 200, { dropped: watches.dropAll() });
      case 'POST /lab/v1/compact':
        store.compact();
        return sendJson(res, 200, { resourceVersion: String(store.resourceVersion) });
      case 'GET /lab/v1/requests':
        return sendJson(res, 200, faults.requestCounts());
      case 'GET /lab/v1/throttled':
        return sendJson(res, 200, flow.throttledCounts());
      case 'GET /lab/v1/costs':
        return sendJson(res, 200, flow.current);
      case 'PUT /lab/v1/costs':
        flow.setCosts({ ...flow.current, ...(body as Partial<ControlPlaneCosts>) });
        return sendJson(res, 200, flow.current);
      case 'PUT /lab/v1/restricted-rules':
        auth.restricted.rules = body as PolicyRule[];
        return sendJson(res, 200, body);
      case 'PUT /lab/v1/custom-resources':
        installCustomResources(body as string[]);
        return sendJson(res, 200, body);
      default:
        throw notFoundPath();
    }
  }

  async function resourceRequest(req: IncomingMessage, res: ServerResponse, user: LabUser, url: URL, rest: string[], group = ''): Promise<void> {
    const q = url.searchParams;
    const r = route(rest, group, served);
    const watch = q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(req.method!, r, watch);
    const resource = r.subresource ? `${r.def.name}/${r.subresource}` : r.def.name;
    flow.admit(user.name, `${verb} ${resource}`);
    await flow.delay();
    faults.check(verb, resource);
    auth.authorize(user, verb, resource, r.namespace, r.name, group);
    if (!(r.subresource ? SUBRESOURCE_VERBS[r.subresource] : r.def.verbs).includes(verb)) throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);

    const accept = req.headers.accept ?? '';
    const asTable = /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
    const include = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
    const render = (obj: KObject) => (asTable ? toTable(r.def.name, [obj], obj.metadata.resourceVersion, include) : obj);
    const byLabels = labelSelector(q.get('labelSelector'));
    const byFields = fieldSelector(q.get('fieldSelector'), r.def);
    const matches: Matcher = (o) => byLabels(o) && byFields(o);
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method!) ? await readBody(req) : Buffer.alloc(0);

    switch (verb) {
      case 'get': {
        const obj = handlers.get(r.def, r.namespace, r.name!);
        if (r.subresource === 'log') {
          const tailLines = q.get('tailLines');
          const limitBytes = q.get('limitBytes');
          return serveLogs(res, options.runtime, obj, {
            container: q.get('container') ?? undefined,
            follow: q.get('follow') === 'true',
            tailLines: tailLines === null ? undefined : Number(tailLines),
            limitBytes: limitBytes === null ? undefined : Number(limitBytes),
          });
        }
        return sendJson(res, 200, render(obj));
      }
      case 'list': {
        const { resourceVersion, items } = handlers.list(r.def, r.namespace, matches);
        return sendJson(res, 200, asTable ? toTable(r.def.name, items, resourceVersion, include)
          : { kind: `${r.def.kind}List`, apiVersion: apiVersionOf(r.def), metadata: { resourceVersion }, items });
      }
      case 'watch': {
        const timeout = q.get('timeoutSeconds');
        return watches.serve(res, {
          resource: r.def.name, kind: r.def.kind, namespace: r.namespace, matches, render,
          resourceVersion: q.get('resourceVersion') ?? undefined,
          bookmarks: q.get('allowWatchBookmarks') === 'true', bookmarkIntervalMs,
          timeoutSeconds: timeout === null ? undefined : Number(timeout),
        });
      }
      case 'create': {
        const warnings: string[] = [];
        const created = handlers.create(r.def, r.namespace, parseBody(req, body), q.get('dryRun') === 'All', warnings);
        // RFC 7234 warn-code 299, as the API server sends admission warnings (kubectl prints "Warning: …").
        if (warnings.length) res.setHeader('Warning', warnings.map((w) => `299 - ${JSON.stringify(w)}`));
        return sendJson(res, 201, created);
      }
      case 'update':
        return sendJson(res, 200, handlers.update(r.def, r.namespace, r.name!, parseBody(req, body), r.subresource));
      case 'patch': {
        const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
        if (!PATCH_TYPES.includes(type)) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.join(', ')}`);
        return sendJson(res, 200, handlers.patch(r.def, r.namespace, r.name!, type, parsePatchBody(type, body.toString('utf8')), r.subresource));
      }
      case 'delete':
      case 'deletecollection': {
        const grace = q.get('gracePeriodSeconds');
        const opts: DeleteOptions = {
          ...(parseBody(req, body) as DeleteOptions | undefined),
          ...(q.get('propagationPolicy') ? { propagationPolicy: q.get('propagationPolicy') as DeleteOptions['propagationPolicy'] } : {}),
          ...(grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
        };
        return sendJson(res, 200, verb === 'delete' ? handlers.delete(r.def, r.namespace, r.name!, opts) : handlers.deleteCollection(r.def, r.namespace, matches, opts));
      }
    }
  }

  let server!: Server;
  const address = () => `${options.host}:${(server.address() as { port: number }).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://lab');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (['/healthz', '/livez', '/readyz'].includes(path)) return void res.end('ok');
    if (path === '/version') return sendJson(res, 200, versionInfo());
    const user = auth.authenticate(req.headers.authorization);
    if (path.startsWith('/lab/')) return labEndpoint(req, res, user, path);
    const segments = path.split('/').filter(Boolean);
    // Resource requests are admitted where their verb is known; discovery and OpenAPI here.
    const resourcePath = (segments[0] === 'api' && segments[1] === 'v1' && segments.length > 2) || (segments[0] === 'apis' && segments.length > 3);
    if (!resourcePath) {
      flow.admit(user.name, `get ${path}`);
      await flow.delay();
    }
    if (path === '/api') return sendJson(res, 200, apiVersions(address()));
    if (path === '/apis') return sendJson(res, 200, apiGroupList(served));
    if (path === '/api/v1') return sendJson(res, 200, coreResourceList(served));
    if (path === '/openapi/v3') return sendJson(res, 200, openApiV3Index(served));
    const openApi = path.startsWith('/openapi/v3/') ? openApiV3Document(served, path.slice('/openapi/v3/'.length)) : undefined;
    if (openApi) return sendJson(res, 200, openApi);
    if (segments[0] === 'api' && segments[1] === 'v1') return resourceRequest(req, res, user, url, segments.slice(2));
    const group = segments[0] === 'apis' ? apiGroupsOf(served).find((g) => g.name === segments[1]) : undefined;
    if (group) {
      if (segments.length === 2) return sendJson(res, 200, apiGroup(group.name, group.version));
      if (segments[2] === group.version && segments.length === 3) return sendJson(res, 200, resourceList(served, group.name, group.version));
      if (segments[2] === group.version) return resourceRequest(req, res, user, url, segments.slice(3), group.name);
    }
    throw notFoundPath();
  }

  function installCustomResources(names: unknown): void {
    const custom = RESOURCES.filter((r) => r.custom);
    if (!Array.isArray(names)) throw badRequest('the body must be a JSON array of custom resource names (<plural>.<group>)');
    const unknown = names.filter((name) => !custom.some((r) => customResourceName(r) === name));
    if (unknown.length) throw badRequest(`unknown custom resources ${unknown.join(', ')}; the lab knows ${custom.map(customResourceName).join(', ')}`);
    served = servedResources(new Set(names as string[]));
    // Removing a CustomResourceDefinition removes its objects.
    for (const def of custom.filter((r) => !served.includes(r))) for (const obj of store.list(def.name, undefined)) store.remove(def.name, undefined, obj.metadata.name);
  }

  server = createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!(err instanceof ApiError)) onError(err);
      sendError(res, err instanceof ApiError ? err : new ApiError(500, 'InternalError', `Internal error occurred: ${err.message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host, () => resolve());
  });
  const url = `https://${address()}`;
  seed([{
    apiVersion: 'v1', kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { clusterIP: allocator.first, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: (server.address() as { port: number }).port }] },
  }]);

  return {
    url,
    caPem: pki.caPem,
    kubeconfig: (path, kc) => writeKubeconfig(path, { server: url, caPem: pki.caPem, admin: auth.admin, restricted: auth.restricted, namespace: kc?.namespace }),
    seed,
    injectErrors: (fault) => faults.inject(fault),
    clearErrors: () => faults.clear(),
    spoilImagePulls: (trouble) => imagePulls.spoil(trouble),
    dropWatches: () => watches.dropAll(),
    compact: () => store.compact(),
    requestCounts: () => faults.requestCounts(),
    throttledCounts: () => flow.throttledCounts(),
    setCosts: (costs) => flow.setCosts(costs),
    setRestrictedRules: (rules) => { auth.restricted.rules = rules; },
    installCustomResources,
    async close() {
      watches.dropAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      controllers.scheduler.close();
      controllers.gc.close();
      controllers.namespaces.close();
      await controllers.kubelets.close();
      await controllers.endpoints.close();
    },
  };
}
