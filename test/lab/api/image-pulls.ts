// Image pulls as a registry can spoil them: every image is on the machine already (see
// ../runtime/images.ts), so pods start at once unless told otherwise. For a while, on some
// nodes, for some images, the lab can make each pod's pull fail, as when a registry hiccups or
// rate-limits (Docker Hub answers 429 "toomanyrequests") — the kubelets then show
// ErrImagePull and retry with the kubelet's image back-off: 10 s, doubling up to 300 s
// (pkg/kubelet/kubelet.go: backOffPeriod, MaxContainerBackOff) — or take long (a large
// image on a cold node: the pod waits in ContainerCreating).
import { ApiError } from './status.ts';

export const IMAGE_PULL_BACKOFF_MS = 10_000;
export const IMAGE_PULL_MAX_BACKOFF_MS = 300_000;

export interface PullTrouble {
  /** Pulls started within this many seconds from now are spoilt. */
  forSeconds: number;
  /** Such pulls take this long and then succeed; absent: they fail. */
  slowSeconds?: number;
  /** Only on these nodes (default: all). */
  nodes?: string[];
  /** Only images whose reference contains this (default: all). */
  image?: string;
  /** What the runtime says (default: a registry's rate-limit answer). */
  message?: string;
}

interface ActiveTrouble extends Omit<PullTrouble, 'forSeconds'> { until: number }

/** What a pull started now does: fail with a message, or take a while. */
export type PullOutcome = { failure: string } | { takesMs: number };

export class ImagePulls {
  private troubles: ActiveTrouble[] = [];

  spoil(trouble: PullTrouble): void {
    if (!(typeof trouble?.forSeconds === 'number' && trouble.forSeconds > 0)) throw new ApiError(400, 'BadRequest', 'forSeconds must be a number > 0');
    if (trouble.slowSeconds !== undefined && !(typeof trouble.slowSeconds === 'number' && trouble.slowSeconds > 0)) throw new ApiError(400, 'BadRequest', 'slowSeconds must be a number > 0');
    const { forSeconds, ...rest } = trouble;
    this.troubles.push({ ...rest, until: Date.now() + forSeconds * 1000 });
  }

  clear(): void {
    this.troubles = [];
  }

  /** What pulling `image` on `node` now does (failures worded as containerd's); undefined: the image is there. */
  pull(image: string, node: string): PullOutcome | undefined {
    const at = Date.now();
    this.troubles = this.troubles.filter((t) => t.until > at);
    const trouble = this.troubles.find((t) => (!t.nodes || t.nodes.includes(node)) && (!t.image || image.includes(t.image)));
    if (!trouble) return undefined;
    if (trouble.slowSeconds !== undefined) return { takesMs: trouble.slowSeconds * 1000 };
    const message = trouble.message ?? '429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit';
    return { failure: `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${message}` };
  }
}

/** How long the kubelet waits before pulling again after `failures` failed pulls in a row. */
export function pullBackOffMs(failures: number): number {
  return Math.min(IMAGE_PULL_MAX_BACKOFF_MS, IMAGE_PULL_BACKOFF_MS * 2 ** (failures - 1));
}
