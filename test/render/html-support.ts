// What the -o html tests share: reading the page back (its escaped text, its palette)
// and headless Chromium to open it in.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { decodePng, type Png } from './html-png.ts';

export function unescape(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

export type Rgb = [number, number, number];

/** The page's own palette for a colour scheme: the first :root block is light, the one under the media query dark. */
export function paletteOf<Name extends string>(html: string, scheme: 'light' | 'dark', names: readonly Name[]): Record<Name, Rgb> {
  const css = html.slice(html.indexOf('<style>'), html.indexOf('</style>'));
  const block = scheme === 'light' ? css : css.slice(css.indexOf('prefers-color-scheme: dark'));
  const colour = (name: string): Rgb => {
    const hex = new RegExp(`--${name}: #([0-9a-f]{6})`).exec(block)![1];
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
  };
  return Object.fromEntries(names.map((name) => [name, colour(name)])) as Record<Name, Rgb>;
}

// Chromium runs headless on a fresh profile, every background service off, so that it
// opens only the file; its process group is killed whatever happens.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--window-size=1280,1000'];

function findChromium(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Chromium's own deadline, well inside the test's, so that the group is killed before jest gives up. */
const CHROMIUM_TIMEOUT_MS = 45_000;
export const BROWSER_TEST_TIMEOUT_MS = 90_000;

const chromium = findChromium();
const underCi = process.env.CI === 'true';
if (!chromium && !underCi) console.warn('chromium is not installed: skipping the -o html browser tests (apt-get install chromium)');

/** describe when Chromium is there; skipped without it, except under CI, where its absence fails the tests. */
export const describeInChromium: jest.Describe = chromium || underCi ? describe : describe.skip;

/** Runs Chromium on args (a later --window-size overrides the default 1280×1000); its stdout. */
export async function runChromium(args: string[], timeoutMs = CHROMIUM_TIMEOUT_MS): Promise<string> {
  if (!chromium) throw new Error('chromium is missing under CI=true: .ci/run installs it (Debian package chromium)');
  const profile = mkdtempSync(join(tmpdir(), 'netprobe-chromium-'));
  const child = spawn(chromium, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk; });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk; });
  let timer: NodeJS.Timeout | undefined;
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`chromium still running after ${timeoutMs} ms; stderr:\n${stderr.slice(-2000)}`)), timeoutMs);
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`chromium exited with ${code}; stderr:\n${stderr.slice(-2000)}`);
    return stdout;
  } finally {
    clearTimeout(timer);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // The group is gone already.
    }
    rmSync(profile, { recursive: true, force: true });
  }
}

/** The page in a temporary directory for the tests of the enclosing describe (path set in beforeAll), removed after them. */
export function pageOnDisk(html: string): { path: string } {
  const file = { path: '' };
  beforeAll(() => {
    file.path = join(mkdtempSync(join(tmpdir(), 'netprobe-html-')), 'report.html');
    writeFileSync(file.path, html);
  });
  afterAll(() => {
    if (file.path) rmSync(dirname(file.path), { recursive: true, force: true });
  });
  return file;
}

/** Chromium's screenshot of the page in a colour scheme, saved beside it. */
export async function screenshot(page: string, scheme: 'light' | 'dark', windowSize = '1280,1000'): Promise<Png> {
  const png = join(dirname(page), `${scheme}.png`);
  await runChromium([`--blink-settings=preferredColorScheme=${scheme === 'dark' ? 0 : 1}`, `--window-size=${windowSize}`, `--screenshot=${png}`, `file://${page}`]);
  return decodePng(readFileSync(png));
}

/** How many pixels are within a small distance of the colour (antialiasing aside). */
export function pixelsNear(image: Png, [cr, cg, cb]: Rgb): number {
  let count = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = image.rgb(x, y);
      if (Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) <= 6) count++;
    }
  }
  return count;
}
