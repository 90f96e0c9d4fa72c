// Just enough OpenAPI v3 for kubectl's validation: kubectl create/apply check the document of the
// kind's group version for PATCH operations that accept `fieldValidation`, and then let the
// server validate (POST …?fieldValidation=Strict) instead of needing full schemas.
import { createHash } from 'node:crypto';
import { apiVersionOf, type ResourceDef } from './registry.ts';

/** 'api/v1' or 'apis/<group>/<version>': how the index names a group version's document. */
function documentKey(def: ResourceDef): string {
  return def.group ? `apis/${apiVersionOf(def)}` : 'api/v1';
}

function document(resources: readonly ResourceDef[]): string {
  const paths: Record<string, object> = {};
  for (const r of resources) {
    const base = `/${documentKey(r)}`;
    const path = r.namespaced ? `${base}/namespaces/{namespace}/${r.name}/{name}` : `${base}/${r.name}/{name}`;
    const [group, version] = r.group ? apiVersionOf(r).split('/') : ['', 'v1'];
    paths[path] = {
      patch: {
        operationId: `patch${r.kind}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group, version, kind: r.kind },
        parameters: [
          { name: 'dryRun', in: 'query', schema: { type: 'string' } },
          { name: 'fieldManager', in: 'query', schema: { type: 'string' } },
          { name: 'fieldValidation', in: 'query', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'OK' } },
      },
    };
  }
  return JSON.stringify({ openapi: '3.0.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths, components: { schemas: {} } });
}

function documents(served: readonly ResourceDef[]): Map<string, string> {
  const byKey = new Map<string, ResourceDef[]>();
  for (const r of served) byKey.set(documentKey(r), [...(byKey.get(documentKey(r)) ?? []), r]);
  return new Map([...byKey].map(([key, resources]) => [key, document(resources)]));
}

export function openApiV3Index(served: readonly ResourceDef[]): object {
  const paths = Object.fromEntries([...documents(served)].map(([key, doc]) => {
    const hash = createHash('sha512').update(doc).digest('hex').slice(0, 32).toUpperCase();
    return [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` }];
  }));
  return { paths };
}

/** The document at /openapi/v3/<key>, if the server serves that group version. */
export function openApiV3Document(served: readonly ResourceDef[], key: string): string | undefined {
  return documents(served).get(key);
}
