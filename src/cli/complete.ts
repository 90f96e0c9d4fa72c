// `kubectl netprobe __complete WORD…`: shell completion as kubectl (>= 1.26) asks a plugin for it,
// through kubectl_complete-netprobe on PATH. kubectl passes the words typed after "netprobe", the
// last one being completed ("" for a new word), and reads Cobra's protocol back: one candidate a
// line (a tab, then its description), and last ":N", N the directive bits (cobra's
// ShellCompDirective: 2 no space after, 4 no file completion; 0 lets the shell complete files).
// Node, pod, namespace and label names come from the cluster, with the kubeconfig and context
// the words name (else $KUBECONFIG, as kubectl has it).
import { createKubeClient, loadKubeConfig } from '../kube/client-node.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { COMMANDS, GLOBAL_OPTIONS, type CommandName, type CommandSpec, type OptionSpec } from './commands.ts';
import { EXIT_OK } from './exit-codes.ts';

const NO_SPACE = 2;
const NO_FILE_COMPLETION = 4;
/** Let the shell complete file names. */
const FILES = 0;
/** A shell waits for completion: a cluster that does not answer in this long gets no candidates. */
const CLUSTER_TIMEOUT_MS = 5000;

export interface Completion {
  candidates: string[];
  directive: number;
}

interface Typed {
  command?: CommandName;
  /** Flag values typed so far, by long name. */
  values: Map<string, string>;
  /** The flag whose value is being completed, if any. */
  completingFlag?: string;
  /** Words that are neither flags nor their values, after the command. */
  positionals: number;
}

function optionsOf(command: CommandName | undefined): Record<string, OptionSpec> {
  return { ...GLOBAL_OPTIONS, ...(command ? (COMMANDS[command] as CommandSpec).options : {}) };
}

/** The long name of a flag as typed (--nodes, -o), if the command has it. */
function longName(word: string, options: Record<string, OptionSpec>): string | undefined {
  if (word.startsWith('--')) return word.slice(2) in options ? word.slice(2) : undefined;
  if (/^-[a-zA-Z]$/.test(word)) return Object.entries(options).find(([, o]) => o.alias === word.slice(1))?.[0];
  return undefined;
}

/** Reads the words before the one being completed: the command, flag values, positionals. */
function readTyped(words: readonly string[]): Typed {
  const typed: Typed = { values: new Map(), positionals: 0 };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const options = optionsOf(typed.command);
    if (word.startsWith('-')) {
      const eq = word.indexOf('=');
      const name = longName(eq > 0 ? word.slice(0, eq) : word, options);
      if (!name || options[name].type === 'boolean') continue;
      if (eq > 0) typed.values.set(name, word.slice(eq + 1));
      else if (i + 1 < words.length) typed.values.set(name, words[++i]);
      else typed.completingFlag = name;
    } else if (!typed.command && word in COMMANDS) {
      typed.command = word as CommandName;
    } else {
      typed.positionals++;
    }
  }
  return typed;
}

const withPrefix = (candidates: readonly string[], prefix: string) => candidates.filter((c) => c.startsWith(prefix));

/** Completes the last item of a comma-separated list: "a,b,c" → "a,b,<candidate>", leaving out items already listed. */
function listItem(toComplete: string, items: readonly string[]): Completion {
  const done = toComplete.slice(0, toComplete.lastIndexOf(',') + 1);
  const listed = new Set(done.split(','));
  return { candidates: withPrefix(items.filter((item) => !listed.has(item)).map((item) => done + item), toComplete), directive: NO_SPACE | NO_FILE_COMPLETION };
}

function flagNames(command: CommandName | undefined, toComplete: string): Completion {
  const options = optionsOf(command);
  const candidates = Object.entries(options).flatMap(([name, o]) => [`--${name}\t${o.describe}`, ...(o.alias && toComplete.length < 2 ? [`-${o.alias}\t${o.describe}`] : [])]);
  return { candidates: candidates.filter((c) => c.startsWith(toComplete)), directive: NO_FILE_COMPLETION };
}

async function clusterValues(flag: string, toComplete: string, typed: Typed, client: () => KubeClient): Promise<Completion | undefined> {
  switch (flag) {
    case 'nodes':
      return listItem(toComplete, (await client().listNodes()).map((n) => n.metadata?.name ?? '').filter(Boolean));
    case 'pairs': {
      // a:b,c:d: a source, then ':' and a destination.
      const nodes = (await client().listNodes()).map((n) => n.metadata?.name ?? '').filter(Boolean);
      const item = toComplete.slice(toComplete.lastIndexOf(',') + 1);
      const colon = item.indexOf(':');
      return listItem(toComplete, colon < 0 ? nodes.map((n) => `${n}:`) : nodes.filter((n) => n !== item.slice(0, colon)).map((n) => `${item.slice(0, colon)}:${n}`));
    }
    case 'pods':
      return listItem(toComplete, (await client().listPods(undefined)).items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    case 'namespace':
      return { candidates: withPrefix((await client().listNamespaces('')).map((ns) => ns.metadata?.name ?? ''), toComplete), directive: NO_FILE_COMPLETION };
    case 'context':
      return { candidates: withPrefix(loadKubeConfig({ kubeconfig: typed.values.get('kubeconfig') }).getContexts().map((c) => c.name), toComplete), directive: NO_FILE_COMPLETION };
    case 'group-by':
    case 'selector': {
      const labels = (await client().listNodes()).flatMap((n) => Object.entries(n.metadata?.labels ?? {}));
      const values = flag === 'group-by' ? ['kernel', ...labels.map(([k]) => k)] : labels.map(([k, v]) => `${k}=${v}`);
      return { candidates: withPrefix([...new Set(values)].sort(), toComplete), directive: NO_FILE_COMPLETION };
    }
    default:
      return undefined;
  }
}

async function flagValue(flag: string, toComplete: string, typed: Typed): Promise<Completion> {
  const fixed = typed.command ? (COMMANDS[typed.command] as CommandSpec).values[flag] : undefined;
  if (fixed) return fixed.list ? listItem(toComplete, fixed.values) : { candidates: withPrefix(fixed.values, toComplete), directive: NO_FILE_COMPLETION };
  if (flag === 'kubeconfig' || flag === 'out') return { candidates: [], directive: FILES };
  const client = () => createKubeClient(loadKubeConfig({ kubeconfig: typed.values.get('kubeconfig'), context: typed.values.get('context') }));
  const timeout = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), CLUSTER_TIMEOUT_MS).unref());
  try {
    return (await Promise.race([clusterValues(flag, toComplete, typed, client), timeout])) ?? { candidates: [], directive: NO_FILE_COMPLETION };
  } catch {
    // No cluster, no candidates: completion never prints an error into the user's command line.
    return { candidates: [], directive: NO_FILE_COMPLETION };
  }
}

export async function complete(words: readonly string[]): Promise<Completion> {
  const toComplete = words.at(-1) ?? '';
  const typed = readTyped(words.slice(0, -1));
  if (typed.completingFlag) return flagValue(typed.completingFlag, toComplete, typed);
  if (toComplete.startsWith('-')) {
    const eq = toComplete.indexOf('=');
    const name = eq > 0 ? longName(toComplete.slice(0, eq), optionsOf(typed.command)) : undefined;
    if (!name) return flagNames(typed.command, toComplete);
    const value = await flagValue(name, toComplete.slice(eq + 1), typed);
    return { ...value, candidates: value.candidates.map((c) => `${toComplete.slice(0, eq + 1)}${c}`) };
  }
  if (!typed.command) {
    return { candidates: withPrefix(Object.entries(COMMANDS).map(([name, c]) => `${name}\t${c.describe}`), toComplete), directive: NO_FILE_COMPLETION };
  }
  const spec: CommandSpec = COMMANDS[typed.command];
  return { candidates: [], directive: spec.fileArguments && typed.positionals < 2 ? FILES : NO_FILE_COMPLETION };
}

export async function runComplete(words: readonly string[]): Promise<number> {
  const { candidates, directive } = await complete(words);
  process.stdout.write([...candidates, `:${directive}`].join('\n') + '\n');
  return EXIT_OK;
}
