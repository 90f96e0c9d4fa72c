// pods/log: what the container wrote, from the runtime; `follow` streams until the container
// ends or the client goes. Errors as the kubelet/API server word them.
import type { ServerResponse } from 'node:http';
import type { PodRuntime } from '../contracts.ts';
import { badRequest, notFound } from './status.ts';
import type { KObject } from './store.ts';

type Any = Record<string, any>;

export interface LogOptions {
  container?: string;
  follow: boolean;
  tailLines?: number;
  limitBytes?: number;
}

function tail(text: string, lines: number | undefined): string {
  if (lines === undefined) return text;
  const parts = text.split('\n');
  const trailing = parts[parts.length - 1] === '' ? parts.pop() : undefined;
  return parts.slice(Math.max(0, parts.length - lines)).join('\n') + (trailing === undefined ? '' : '\n');
}

/** Checks the request against the pod and returns the container whose logs to serve. */
export function logContainer(pod: KObject, container: string | undefined): string {
  const p = pod as Any;
  const names: string[] = p.spec.containers.map((c: Any) => c.name);
  if (!container) {
    if (names.length > 1) throw badRequest(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
    container = names[0];
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  const status = (p.status.containerStatuses ?? []).find((s: Any) => s.name === container);
  const waiting = status?.state?.waiting;
  if (!status || waiting) throw badRequest(`container "${container}" in pod "${pod.metadata.name}" is waiting to start: ${waiting?.reason ?? 'ContainerCreating'}`);
  return container;
}

export function serveLogs(res: ServerResponse, runtime: PodRuntime, pod: KObject, options: LogOptions): void {
  const container = logContainer(pod, options.container);
  let budget = options.limitBytes ?? Infinity;
  const write = (chunk: string) => {
    if (budget <= 0) return;
    const bytes = Buffer.from(chunk);
    res.write(bytes.subarray(0, Math.min(bytes.length, budget)));
    budget -= bytes.length;
  };
  let text: string;
  try {
    text = runtime.logs(pod.metadata.uid, container);
  } catch {
    throw notFound('pods', pod.metadata.name);
  }
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  write(tail(text, options.tailLines));
  const terminated = (pod as Any).status.containerStatuses.find((s: Any) => s.name === container)?.state?.terminated;
  if (!options.follow || terminated || budget <= 0) return void res.end();
  const stop = runtime.followLogs(pod.metadata.uid, container, write, () => res.end());
  res.on('close', stop);
}
