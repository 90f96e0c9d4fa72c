// Server-side printing: a meta.k8s.io/v1 Table with the columns the real API server's
// printers (pkg/printers/internalversion) define, so `kubectl get -o wide` prints real columns.
import type { KObject } from './store.ts';

interface Column { name: string; type: string; format?: string; priority?: number; cell: (o: KObject) => string | number }

// Printers read deep optional fields of several kinds; typing each would only restate the API.
type Any = Record<string, any>;

/** duration.HumanDuration from k8s.io/apimachinery, the format of the Age column. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  const unit = (big: number, bigUnit: string, small: number, smallUnit: string) => (small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit}${small}${smallUnit}`);
  if (minutes < 10) return unit(minutes, 'm', seconds % 60, 's');
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return unit(hours, 'h', minutes % 60, 'm');
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return unit(Math.floor(hours / 24), 'd', hours % 24, 'h');
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) return unit(Math.floor(hours / 24 / 365), 'y', Math.floor(hours / 24) % 365, 'd');
  return `${Math.floor(hours / 24 / 365)}y`;
}

const age = (o: KObject) => humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp));
const name: Column = { name: 'Name', type: 'string', format: 'name', cell: (o) => o.metadata.name };
const ageColumn: Column = { name: 'Age', type: 'string', cell: age };
const orNone = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));

/** The STATUS column of `kubectl get pods`: the phase, overridden by container reasons (printPod). */
export function podStatusText(pod: Any): string {
  let reason: string = pod.status?.reason || pod.status?.phase || 'Pending';
  let hasRunning = false;
  const statuses: Any[] = pod.status?.containerStatuses ?? [];
  for (const s of [...statuses].reverse()) {
    if (s.state?.waiting?.reason) reason = s.state.waiting.reason;
    else if (s.state?.terminated?.reason) reason = s.state.terminated.reason;
    else if (s.state?.terminated) reason = `ExitCode:${s.state.terminated.exitCode}`;
    else if (s.ready && s.state?.running) hasRunning = true;
  }
  if (reason === 'Completed' && hasRunning) reason = 'Running';
  if (pod.metadata.deletionTimestamp) reason = 'Terminating';
  return reason;
}

const COLUMNS: Record<string, Column[]> = {
  pods: [
    name,
    { name: 'Ready', type: 'string', cell: (o: Any) => `${(o.status?.containerStatuses ?? []).filter((s: Any) => s.ready).length}/${o.spec.containers.length}` },
    { name: 'Status', type: 'string', cell: podStatusText },
    { name: 'Restarts', type: 'string', cell: (o: Any) => String((o.status?.containerStatuses ?? []).reduce((n: number, s: Any) => n + (s.restartCount ?? 0), 0)) },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, cell: (o: Any) => orNone(o.status?.podIP) },
    { name: 'Node', type: 'string', priority: 1, cell: (o: Any) => orNone(o.spec.nodeName) },
    { name: 'Nominated Node', type: 'string', priority: 1, cell: (o: Any) => orNone(o.status?.nominatedNodeName) },
    { name: 'Readiness Gates', type: 'string', priority: 1, cell: () => '<none>' },
  ],
  nodes: [
    name,
    { name: 'Status', type: 'string', cell: (o: Any) => {
      const ready = (o.status?.conditions ?? []).find((c: Any) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
      return o.spec?.unschedulable ? `${ready},SchedulingDisabled` : ready;
    } },
    { name: 'Roles', type: 'string', cell: (o) => orNone(Object.keys(o.metadata.labels ?? {}).filter((l) => l.startsWith('node-role.kubernetes.io/')).map((l) => l.split('/')[1]).sort().join(',')) },
    ageColumn,
    { name: 'Version', type: 'string', cell: (o: Any) => o.status.nodeInfo.kubeletVersion },
    { name: 'Internal-IP', type: 'string', priority: 1, cell: (o: Any) => orNone(o.status.addresses.find((a: Any) => a.type === 'InternalIP')?.address) },
    { name: 'External-IP', type: 'string', priority: 1, cell: (o: Any) => orNone(o.status.addresses.find((a: Any) => a.type === 'ExternalIP')?.address) },
    { name: 'OS-Image', type: 'string', priority: 1, cell: (o: Any) => o.status.nodeInfo.osImage },
    { name: 'Kernel-Version', type: 'string', priority: 1, cell: (o: Any) => o.status.nodeInfo.kernelVersion },
    { name: 'Container-Runtime', type: 'string', priority: 1, cell: (o: Any) => o.status.nodeInfo.containerRuntimeVersion },
  ],
  services: [
    name,
    { name: 'Type', type: 'string', cell: (o: Any) => o.spec.type },
    { name: 'Cluster-IP', type: 'string', cell: (o: Any) => orNone(o.spec.clusterIP) },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    { name: 'Port(s)', type: 'string', cell: (o: Any) => orNone((o.spec.ports ?? []).map((p: Any) => `${p.port}/${p.protocol}`).join(',')) },
    ageColumn,
    { name: 'Selector', type: 'string', priority: 1, cell: (o: Any) => orNone(Object.entries(o.spec.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')) },
  ],
  networkpolicies: [
    name,
    { name: 'Pod-Selector', type: 'string', cell: (o: Any) => orNone(Object.entries(o.spec?.podSelector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')) },
    ageColumn,
  ],
  namespaces: [name, { name: 'Status', type: 'string', cell: (o: Any) => o.status?.phase ?? '' }, ageColumn],
  configmaps: [name, { name: 'Data', type: 'integer', cell: (o: Any) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length }, ageColumn],
  endpoints: [
    name,
    { name: 'Endpoints', type: 'string', cell: (o: Any) => orNone((o.subsets ?? []).flatMap((s: Any) => s.addresses.flatMap((a: Any) => s.ports.map((p: Any) => `${a.ip}:${p.port}`))).join(',')) },
    ageColumn,
  ],
  events: [
    { name: 'Last Seen', type: 'string', cell: (o: Any) => humanDuration(Date.now() - Date.parse(o.lastTimestamp)) },
    { name: 'Type', type: 'string', cell: (o: Any) => o.type },
    { name: 'Reason', type: 'string', cell: (o: Any) => o.reason },
    { name: 'Object', type: 'string', cell: (o: Any) => `${o.involvedObject.kind.toLowerCase()}/${o.involvedObject.name}` },
    { name: 'Message', type: 'string', cell: (o: Any) => o.message },
  ],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(resource: string, objects: KObject[], resourceVersion: string, include: IncludeObject): object {
  const columns = COLUMNS[resource] ?? [name, ageColumn];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: '', priority: c.priority ?? 0 })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      // kubectl takes the NAMESPACE column of `get -A` and labels from this metadata.
      object: include === 'None' ? undefined
        : include === 'Object' ? o
        : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
