// Pod Security Admission for pods, from the namespace's pod-security.kubernetes.io/enforce
// (→ 403) and /warn (→ a Warning header) labels: the Baseline and Restricted checks of the
// Pod Security Standards that pods in the lab can meet, with the admission plugin's wording.
import { ApiError } from './status.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>;

type Level = 'privileged' | 'baseline' | 'restricted';

interface Violation { id: string; reason: string; detail: string }

const quoteNames = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
/** `container "a" must …` / `containers "a", "b" must …`, as the checks word it. */
const containers = (names: string[]) => `${names.length > 1 ? 'containers' : 'container'} ${quoteNames(names)}`;

const RESTRICTED_VOLUME_TYPES_ALLOWED = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

function check(pod: Any, level: Level): Violation[] {
  const spec = pod.spec;
  const all: Any[] = [...(spec.initContainers ?? []), ...spec.containers];
  const podSc = spec.securityContext ?? {};
  const out: Violation[] = [];
  const names = (pred: (c: Any) => boolean) => all.filter(pred).map((c) => c.name as string);

  const hostNs = ['hostNetwork', 'hostPID', 'hostIPC'].filter((k) => spec[k]);
  if (hostNs.length) out.push({ id: 'hostNamespaces', reason: 'host namespaces', detail: hostNs.map((k) => `${k}=true`).join(', ') });
  const privileged = names((c) => c.securityContext?.privileged === true);
  if (privileged.length) out.push({ id: 'privileged', reason: 'privileged', detail: `${containers(privileged)} must not set securityContext.privileged=true` });
  const hostPaths = (spec.volumes ?? []).filter((v: Any) => v.hostPath).map((v: Any) => v.name);
  if (hostPaths.length) out.push({ id: 'hostPathVolumes', reason: 'hostPath volumes', detail: `volume${hostPaths.length > 1 ? 's' : ''} ${quoteNames(hostPaths)}` });
  const hostPortUsers = names((c) => (c.ports ?? []).some((p: Any) => p.hostPort));
  const hostPorts = all.flatMap((c) => (c.ports ?? []).filter((p: Any) => p.hostPort).map((p: Any) => String(p.hostPort)));
  if (hostPorts.length) {
    out.push({ id: 'hostPorts', reason: 'hostPort', detail: `${containers(hostPortUsers)} ${hostPortUsers.length > 1 ? 'use' : 'uses'} hostPort${hostPorts.length > 1 ? 's' : ''} ${hostPorts.join(', ')}` });
  }

  if (level === 'restricted') {
    const escalating = names((c) => c.securityContext?.allowPrivilegeEscalation !== false);
    if (escalating.length) out.push({ id: 'allowPrivilegeEscalation', reason: 'allowPrivilegeEscalation != false', detail: `${containers(escalating)} must set securityContext.allowPrivilegeEscalation=false` });
    const keepsCaps = names((c) => !(c.securityContext?.capabilities?.drop ?? []).includes('ALL'));
    if (keepsCaps.length) out.push({ id: 'capabilities_restricted', reason: 'unrestricted capabilities', detail: `${containers(keepsCaps)} must set securityContext.capabilities.drop=["ALL"]` });
    const rootOk = (c: Any) => c.securityContext?.runAsNonRoot === true || (podSc.runAsNonRoot === true && c.securityContext?.runAsNonRoot !== false);
    const mayBeRoot = names((c) => !rootOk(c));
    if (mayBeRoot.length) out.push({ id: 'runAsNonRoot', reason: 'runAsNonRoot != true', detail: `pod or ${containers(mayBeRoot)} must set securityContext.runAsNonRoot=true` });
    const rootUser = [...(podSc.runAsUser === 0 ? ['pod must not set runAsUser=0'] : []),
      ...names((c) => c.securityContext?.runAsUser === 0).map((n) => `container "${n}" must not set runAsUser=0`)];
    if (rootUser.length) out.push({ id: 'runAsUser', reason: 'runAsUser=0', detail: rootUser.join('; ') });
    const seccompOk = (c: Any) => ['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? podSc.seccompProfile?.type);
    const noSeccomp = names((c) => !seccompOk(c));
    if (noSeccomp.length) out.push({ id: 'seccompProfile_restricted', reason: 'seccompProfile', detail: `pod or ${containers(noSeccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` });
    const restrictedVolumes = (spec.volumes ?? []).filter((v: Any) => !Object.keys(v).some((k) => RESTRICTED_VOLUME_TYPES_ALLOWED.includes(k)));
    if (restrictedVolumes.length) {
      out.push({ id: 'restrictedVolumes', reason: 'restricted volume types', detail: restrictedVolumes.map((v: Any) => `volume "${v.name}" uses restricted volume type "${Object.keys(v).find((k) => k !== 'name')}"`).join('; ') });
    }
  }
  // The admission plugin reports the failed checks ordered by check ID.
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

function levelOf(ns: KObject, mode: 'enforce' | 'warn'): Level | undefined {
  const level = ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`];
  return level === 'baseline' || level === 'restricted' ? level : undefined;
}

const describe = (level: Level, violations: Violation[]) =>
  `PodSecurity "${level}:latest": ${violations.map((v) => `${v.reason} (${v.detail})`).join(', ')}`;

/** Throws 403 when the namespace enforces a level the pod violates; returns warnings for the warn level. */
export function admitPodSecurity(pod: KObject, namespace: KObject): string[] {
  const enforce = levelOf(namespace, 'enforce');
  const enforced = enforce ? check(pod, enforce) : [];
  if (enforce && enforced.length) {
    throw new ApiError(403, 'Forbidden', `pods "${pod.metadata.name}" is forbidden: violates ${describe(enforce, enforced)}`, { name: pod.metadata.name, kind: 'pods' });
  }
  const warn = levelOf(namespace, 'warn');
  const warned = warn ? check(pod, warn) : [];
  return warn && warned.length ? [`would violate ${describe(warn, warned)}`] : [];
}
