// Bearer-token authentication and an RBAC-like authorizer: the admin may do anything,
// other users only what their rules allow — the rest is 403 Forbidden with RBAC's message.
import { randomBytes } from 'node:crypto';
import { forbidden, unauthorized } from './status.ts';

/** An RBAC PolicyRule (so a ClusterRole's `rules` can be used as they are): '*' matches any verb,
 *  resource (subresources included) or group; no apiGroups: any group. */
export interface PolicyRule { verbs: string[]; resources: string[]; apiGroups?: string[] }

export interface LabUser {
  name: string;
  token: string;
  /** undefined: unrestricted (system:masters). */
  rules?: PolicyRule[];
}

/** What the restricted user may do unless told otherwise: read everything, change nothing. */
export const READ_ONLY: PolicyRule[] = [{ verbs: ['get', 'list', 'watch'], resources: ['*'] }];

export class Authenticator {
  readonly admin: LabUser = { name: 'lab-admin', token: randomBytes(24).toString('hex') };
  readonly restricted: LabUser;

  constructor(restrictedRules: PolicyRule[] = READ_ONLY) {
    this.restricted = { name: 'lab-restricted', token: randomBytes(24).toString('hex'), rules: restrictedRules };
  }

  authenticate(authorization: string | undefined): LabUser {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const user = [this.admin, this.restricted].find((u) => u.token === token);
    if (!user) throw unauthorized();
    return user;
  }

  /** `resource` may name a subresource, e.g. "pods/log"; `group` is its API group ("" for core). */
  authorize(user: LabUser, verb: string, resource: string, namespace: string | undefined, name?: string, group = ''): void {
    if (!user.rules) return;
    const allowed = user.rules.some((r) => (!r.apiGroups || r.apiGroups.includes(group) || r.apiGroups.includes('*'))
      && (r.verbs.includes('*') || r.verbs.includes(verb)) && (r.resources.includes('*') || r.resources.includes(resource)));
    if (!allowed) throw forbidden(user.name, verb, resource, namespace, name, group);
  }
}
