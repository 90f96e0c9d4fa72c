// Watch streams (API concepts: "Efficient detection of changes"): newline-delimited JSON
// events. Without a resourceVersion (or "0") the current objects come first as ADDED; with
// one, every change after it, or an ERROR event carrying 410 Expired when it is too old.
// An object that stops matching the selector is sent as DELETED, one that starts as ADDED.
// BOOKMARK events carry only a resourceVersion, when the client allowed them.
import type { ServerResponse } from 'node:http';
import type { Matcher } from './selectors.ts';
import { ApiError } from './status.ts';
import type { EventType, KObject, Store, StoreEvent } from './store.ts';

export interface WatchRequest {
  resource: string;
  kind: string;
  namespace?: string;
  matches: Matcher;
  /** The resourceVersion query parameter; undefined or "0" starts with the current state. */
  resourceVersion?: string;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds?: number;
  /** Turns an object into what the client asked for (e.g. a one-row Table). */
  render: (obj: KObject) => object;
}

/** What a watch may have written and its client not yet read, by default. */
const WATCH_BUFFER_BYTES = 32 * 2 ** 20;

export class WatchHub {
  private readonly store: Store;
  private readonly open = new Set<ServerResponse>();
  /**
   * The last event line written: a change reaches every watcher in the same turn, so watchers
   * that render it alike (as JSON, not as a Table) share one serialisation, not one each.
   */
  private lastLine: { type: string; object: object; line: string } | undefined;

  private readonly bufferBytes: number;

  constructor(store: Store, bufferBytes = WATCH_BUFFER_BYTES) {
    this.store = store;
    this.bufferBytes = bufferBytes;
  }

  /** Cuts every open watch connection, as an API server restart or a load balancer would. */
  dropAll(): number {
    const n = this.open.size;
    for (const res of this.open) res.destroy();
    this.open.clear();
    return n;
  }

  private line(type: string, object: object): string {
    if (this.lastLine?.type !== type || this.lastLine.object !== object) this.lastLine = { type, object, line: `${JSON.stringify({ type, object })}\n` };
    return this.lastLine.line;
  }

  serve(res: ServerResponse, w: WatchRequest): void {
    let unresponsive = false;
    const send = (type: EventType | 'BOOKMARK' | 'ERROR', object: object) => {
      if (unresponsive) return;
      res.write(this.line(type, object));
      // A watcher that does not read falls behind: as the watch cache closes a watcher whose
      // buffer stays full ("Forcing watcher close due to unresponsiveness"), end its stream and
      // let it resume from its last resourceVersion, rather than keep it all in memory. (Not
      // during the initial state, which may itself be larger.)
      if (live && res.writableLength > this.bufferBytes) {
        unresponsive = true;
        res.end();
      }
    };
    const inScope = (o: KObject) => w.namespace === undefined || o.metadata.namespace === w.namespace;
    const translate = (e: StoreEvent): [EventType, KObject] | undefined => {
      if (e.resource !== w.resource || !inScope(e.object)) return undefined;
      const was = e.type !== 'ADDED' && !!e.previous && w.matches(e.previous);
      const is = e.type !== 'DELETED' && w.matches(e.object);
      if (was && is) return ['MODIFIED', e.object];
      if (is) return ['ADDED', e.object];
      if (was) return ['DELETED', e.object];
      return undefined;
    };

    let lastSent = 0;
    const buffered: StoreEvent[] = [];
    let live = false;
    const deliver = (e: StoreEvent) => {
      if (e.rv <= lastSent) return;
      lastSent = e.rv;
      const t = translate(e);
      if (t) send(t[0], w.render(t[1]));
    };
    const unsubscribe = this.store.subscribe((e) => (live ? deliver(e) : buffered.push(e)));

    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    // Clients wait for the headers before reading events; a watch with nothing to say yet must still answer.
    res.flushHeaders();
    this.open.add(res);
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      unsubscribe();
      timers.forEach(clearTimeout);
      this.open.delete(res);
    };
    res.on('close', finish);

    try {
      if (w.resourceVersion === undefined || w.resourceVersion === '' || w.resourceVersion === '0') {
        lastSent = this.store.resourceVersion;
        for (const o of this.store.listStored(w.resource, w.namespace, w.matches)) send('ADDED', w.render(o));
      } else {
        const from = Number(w.resourceVersion);
        lastSent = from;
        for (const e of this.store.changesSince(from)) deliver(e);
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      send('ERROR', err.toStatus());
      res.end();
      return;
    }
    live = true;
    buffered.splice(0).forEach(deliver);

    if (w.bookmarks) {
      const bookmark = () => send('BOOKMARK', { kind: w.kind, apiVersion: 'v1', metadata: { resourceVersion: String(Math.max(lastSent, this.store.resourceVersion)) } });
      timers.push(setInterval(bookmark, w.bookmarkIntervalMs));
    }
    if (w.timeoutSeconds) timers.push(setTimeout(() => res.end(), w.timeoutSeconds * 1000));
  }
}
