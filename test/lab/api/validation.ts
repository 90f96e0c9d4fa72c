// Create-time validation with the API's field paths and messages (k8s.io/apimachinery
// validation and pkg/apis/core/validation), for the fields the lab acts on.
import { invalid, type FieldError } from './status.ts';
import type { ResourceDef } from './registry.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/** The size limit of a ConfigMap: what fits into one etcd value (validation.MaxSecretSize). */
export const MAX_CONFIGMAP_BYTES = 1024 * 1024;

// Services and namespaces become DNS labels; most other names are subdomains.
const LABEL_NAMED = new Set(['namespaces', 'services']);

function validateName(def: ResourceDef, obj: KObject, errors: FieldError[]): void {
  const name = obj.metadata.name;
  if (!name) {
    errors.push({ field: 'metadata.name', type: 'FieldValueRequired', detail: 'name or generateName is required' });
    return;
  }
  const label = LABEL_NAMED.has(def.name);
  const ok = label ? DNS1123_LABEL.test(name) && name.length <= 63 : DNS1123_SUBDOMAIN.test(name) && name.length <= 253;
  if (!ok) errors.push({ field: 'metadata.name', type: 'FieldValueInvalid', value: name, detail: label ? LABEL_MSG : SUBDOMAIN_MSG });
}

function validatePod(pod: Any, errors: FieldError[]): void {
  const containers: Any[] = Array.isArray(pod.spec?.containers) ? pod.spec.containers : [];
  if (!containers.length) errors.push({ field: 'spec.containers', type: 'FieldValueRequired' });
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const at = `spec.containers[${i}]`;
    if (!c.name) errors.push({ field: `${at}.name`, type: 'FieldValueRequired' });
    else if (names.has(c.name)) errors.push({ field: `${at}.name`, type: 'FieldValueInvalid', value: c.name, detail: 'Duplicate value' });
    names.add(c.name);
    if (!c.image) errors.push({ field: `${at}.image`, type: 'FieldValueRequired' });
    for (const [j, m] of (c.volumeMounts ?? []).entries()) {
      if (!(pod.spec.volumes ?? []).some((v: Any) => v.name === m.name)) errors.push({ field: `${at}.volumeMounts[${j}].name`, type: 'FieldValueNotFound', value: m.name });
    }
  });
  const policy = pod.spec?.restartPolicy;
  if (policy && !['Always', 'OnFailure', 'Never'].includes(policy)) {
    errors.push({ field: 'spec.restartPolicy', type: 'FieldValueNotSupported', value: policy, detail: 'supported values: "Always", "OnFailure", "Never"' });
  }
  const deadline = pod.spec?.activeDeadlineSeconds;
  if (deadline !== undefined && !(Number.isInteger(deadline) && deadline > 0)) {
    errors.push({ field: 'spec.activeDeadlineSeconds', type: 'FieldValueInvalid', value: deadline, detail: 'must be between 1 and 2147483647, inclusive' });
  }
}

function validateConfigMap(cm: Any, errors: FieldError[]): void {
  const size = Object.entries({ ...(cm.data ?? {}), ...(cm.binaryData ?? {}) }).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  if (size > MAX_CONFIGMAP_BYTES) errors.push({ field: '[]', type: 'FieldValueTooLong', detail: `must have at most ${MAX_CONFIGMAP_BYTES} bytes` });
}

function validateService(svc: Any, errors: FieldError[]): void {
  const ports: Any[] = svc.spec?.ports ?? [];
  if (!ports.length && svc.spec?.clusterIP !== 'None') errors.push({ field: 'spec.ports', type: 'FieldValueRequired' });
  ports.forEach((p, i) => {
    if (!(Number.isInteger(p.port) && p.port > 0 && p.port < 65536)) {
      errors.push({ field: `spec.ports[${i}].port`, type: 'FieldValueInvalid', value: p.port, detail: 'must be between 1 and 65535, inclusive' });
    }
    if (ports.length > 1 && !p.name) errors.push({ field: `spec.ports[${i}].name`, type: 'FieldValueRequired' });
  });
}

const BY_RESOURCE: Record<string, (obj: Any, errors: FieldError[]) => void> = {
  pods: validatePod,
  configmaps: validateConfigMap,
  services: validateService,
};

export function validate(def: ResourceDef, obj: KObject): void {
  const errors: FieldError[] = [];
  validateName(def, obj, errors);
  BY_RESOURCE[def.name]?.(obj, errors);
  if (errors.length) throw invalid(def.kind, obj.metadata.name ?? '', errors);
}
