// A container's log as the kubelet and the container runtime keep it: the runtime reads the
// container's stdout and stderr line by line and writes CRI log entries
// ("<RFC 3339 time> <stream> <P|F> <content>"); a line longer than 16 KiB
// (containerd's max_container_log_line_size) becomes partial (P) entries of 16 KiB and a
// final (F) one, and a line still open when the container ends is left partial. The kubelet's
// container log manager, every 10 s (its monitor period), rotates the file of a running
// container once it exceeds containerLogMaxSize (10 MiB by default): the file is renamed and the
// runtime reopens a new one, between two entries. `kubectl logs` serves only the current file,
// joining partial entries back into lines (pkg/kubelet/kuberuntime/logs).
export const CRI_MAX_LINE_BYTES = 16 * 1024;

export interface LogRotationPolicy {
  /** containerLogMaxSize. */
  maxSizeBytes: number;
  /** How often the kubelet looks (logMonitorPeriod). */
  monitorPeriodMs: number;
}

export const KUBELET_LOG_POLICY: LogRotationPolicy = { maxSizeBytes: 10 * 1024 * 1024, monitorPeriodMs: 10_000 };

type Stream = 'stdout' | 'stderr';
interface Entry { stream: Stream; partial: boolean; content: Buffer }

/** "2026-01-01T00:00:00.123456789Z": RFC 3339 with nanoseconds, as the runtime stamps entries. */
const TIMESTAMP_BYTES = 30;

export class CriLog {
  /** The current file's entries. */
  private entries: Entry[] = [];
  private sizeBytes = 0;
  /** Per stream: the bytes of a line not ended yet. */
  private readonly open: Record<Stream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  private readonly followers = new Set<(text: string) => void>();
  /** How many times the file was rotated. */
  rotations = 0;

  /** What the container wrote on one of its streams. */
  write(stream: Stream, chunk: Buffer): void {
    let data = Buffer.concat([this.open[stream], chunk]);
    for (let newline = data.indexOf(0x0a); newline >= 0; newline = data.indexOf(0x0a)) {
      this.line(stream, data.subarray(0, newline), false);
      data = data.subarray(newline + 1);
    }
    while (data.length >= CRI_MAX_LINE_BYTES) {
      this.entry(stream, data.subarray(0, CRI_MAX_LINE_BYTES), true);
      data = data.subarray(CRI_MAX_LINE_BYTES);
    }
    this.open[stream] = Buffer.from(data);
  }

  /** The container ended: what is left of an unfinished line stays partial. */
  close(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.open[stream].length) this.entry(stream, this.open[stream], true);
      this.open[stream] = Buffer.alloc(0);
    }
  }

  /** The file's size as the kubelet's stat sees it. */
  get size(): number {
    return this.sizeBytes;
  }

  /** The kubelet renamed the file; new entries go to a fresh one. */
  rotate(): void {
    this.entries = [];
    this.sizeBytes = 0;
    this.rotations++;
  }

  /** The current file as `kubectl logs` shows it: partial entries joined to the line they belong to. */
  served(): string {
    return Buffer.concat(this.entries.flatMap((e) => (e.partial ? [e.content] : [e.content, NEWLINE]))).toString('utf8');
  }

  /** Calls `listener` with each piece of served text from now on; returns the stop function. */
  follow(listener: (text: string) => void): () => void {
    this.followers.add(listener);
    return () => { this.followers.delete(listener); };
  }

  private line(stream: Stream, line: Buffer, partial: boolean): void {
    let rest = line;
    while (rest.length > CRI_MAX_LINE_BYTES) {
      this.entry(stream, rest.subarray(0, CRI_MAX_LINE_BYTES), true);
      rest = rest.subarray(CRI_MAX_LINE_BYTES);
    }
    this.entry(stream, rest, partial);
  }

  private entry(stream: Stream, content: Buffer, partial: boolean): void {
    const entry = { stream, partial, content: Buffer.from(content) };
    this.entries.push(entry);
    this.sizeBytes += TIMESTAMP_BYTES + 1 + stream.length + 3 + content.length + 1;
    if (this.followers.size === 0) return;
    const text = partial ? entry.content.toString('utf8') : `${entry.content.toString('utf8')}\n`;
    for (const follower of this.followers) follower(text);
  }
}

const NEWLINE = Buffer.from('\n');
