// API failures as one line a person can act on. The server's Status message is
// the best text there is (it names user, verb, resource and namespace for a 403).

export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, reason: string, message: string, retryAfterSeconds?: number) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A client-node ApiException (or a transport error) as a KubeApiError; `doing` says what we tried. */
export function toKubeApiError(err: unknown, doing: string): KubeApiError {
  if (err instanceof KubeApiError) return err;
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string>; message?: string; cause?: { code?: string; message?: string } };
  if (typeof e?.code === 'number' && e.code >= 100) {
    const status = parseStatus(e.body);
    const retryAfter = Number(e.headers?.['retry-after']);
    return new KubeApiError(e.code, status?.reason ?? '', `${doing}: ${status?.message ?? `HTTP ${e.code}`}`, Number.isFinite(retryAfter) ? retryAfter : undefined);
  }
  const cause = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new KubeApiError(0, 'Unreachable', `${doing}: cannot reach the API server (${cause})`);
}

function parseStatus(body: unknown): { reason?: string; message?: string } | undefined {
  try {
    const status = typeof body === 'string' ? JSON.parse(body) : body;
    return status && typeof status === 'object' ? (status as { reason?: string; message?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** 429 and 5xx (and a dropped connection) may pass; everything else is final. */
export function isRetryable(err: KubeApiError): boolean {
  return err.status === 0 || err.status === 429 || err.status >= 500;
}
