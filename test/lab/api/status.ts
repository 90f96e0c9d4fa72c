// Errors as the API server reports them: a meta/v1 Status object with the HTTP code,
// a machine-readable reason and the message format of k8s.io/apimachinery/pkg/api/errors.

export interface StatusCause { reason: string; message: string; field: string }

export interface StatusDetails {
  name?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;

  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Status {
    return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, details: this.details, code: this.code };
  }
}

export function successStatus(details: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details, code: 200 };
}

export const notFound = (resource: string, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${resource} "${name}" not found`, { name, kind: resource });

export const alreadyExists = (resource: string, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${resource} "${name}" already exists`, { name, kind: resource });

export const conflict = (resource: string, name: string): ApiError =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, kind: resource });

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

/** A field error as field.Error formats it: `spec.x: Required value` or `spec.x: Invalid value: "v": why`. */
export interface FieldError {
  field: string;
  type: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueTooLong' | 'FieldValueNotSupported' | 'FieldValueForbidden' | 'FieldValueNotFound';
  detail?: string;
  value?: unknown;
}

const FIELD_ERROR_TEXT: Record<FieldError['type'], string> = {
  FieldValueRequired: 'Required value',
  FieldValueInvalid: 'Invalid value',
  FieldValueTooLong: 'Too long',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueNotFound: 'Not found',
};

function fieldErrorBody(e: FieldError): string {
  let text = FIELD_ERROR_TEXT[e.type];
  if (e.type === 'FieldValueInvalid' || e.type === 'FieldValueNotSupported' || e.type === 'FieldValueNotFound') text += `: ${JSON.stringify(e.value)}`;
  return e.detail ? `${text}: ${e.detail}` : text;
}

/** 422 Invalid; several errors are listed in brackets, as utilerrors.NewAggregate prints them. */
export function invalid(kind: string, name: string, errors: FieldError[]): ApiError {
  const texts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const list = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${list}`, {
    name,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

/** The RBAC authorizer's denial, as in `pods is forbidden: User "x" cannot create resource "pods" in API group "" in the namespace "y"`. */
export function forbidden(user: string, verb: string, resource: string, namespace: string | undefined, name?: string, group = ''): ApiError {
  const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
  const plural = group ? `${resource.split('/')[0]}.${group}` : resource.split('/')[0];
  const subject = name ? `${plural} "${name}"` : plural;
  return new ApiError(403, 'Forbidden', `${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`, {
    name,
    kind: resource.split('/')[0],
  });
}

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

/** Watch or list from a resourceVersion the server no longer keeps (etcd compaction / watch cache window). */
export const expired = (requested: number, oldest: number): ApiError =>
  new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);

export const tooManyRequests = (retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'TooManyRequests', 'the server has received too many requests and has asked us to try again later', { retryAfterSeconds });

export const internalError = (message: string): ApiError =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ reason: '', message, field: '' }] });
