// Just enough OpenAPI v3 for kubectl's validation: kubectl create/apply check the api/v1
// document for PATCH operations of the kind that accept `fieldValidation`, and then let the
// server validate (POST …?fieldValidation=Strict) instead of needing full schemas.
import { createHash } from 'node:crypto';
import { RESOURCES } from './registry.ts';

function coreDocument(): object {
  const paths: Record<string, object> = {};
  for (const r of RESOURCES.filter((d) => !d.group)) {
    const path = r.namespaced ? `/api/v1/namespaces/{namespace}/${r.name}/{name}` : `/api/v1/${r.name}/{name}`;
    const gvk = { group: '', version: 'v1', kind: r.kind };
    paths[path] = {
      patch: {
        operationId: `patchCoreV1${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'OK' } },
      },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } };
}

const CORE = JSON.stringify(coreDocument());
const CORE_HASH = createHash('sha512').update(CORE).digest('hex').slice(0, 32).toUpperCase();

export function openApiV3Index(): object {
  return { paths: { 'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${CORE_HASH}` } } };
}

export function openApiV3Core(): string {
  return CORE;
}
