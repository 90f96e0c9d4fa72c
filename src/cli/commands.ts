// The plugin's commands: what each is for, its flags, and the fixed values a flag takes. The
// command line (cli.ts) registers them with yargs; completion (complete.ts) offers them.
import { PROTOCOLS } from '../shared/plan.ts';
import { CLEANUP_OPTIONS } from './cleanup-command.ts';
import { COMPARE_FORMATS, COMPARE_OPTIONS } from './compare-command.ts';
import { CONNECTION_OPTIONS } from './connection-options.ts';
import { DNS_FORMATS, DNS_OPTIONS } from './dns-command.ts';
import { MATRIX_OPTIONS, NETWORKS } from './matrix-command.ts';
import { NODES_FORMATS, NODES_OPTIONS } from './nodes-command.ts';
import { OUTPUT_FORMATS } from './output.ts';

export interface OptionSpec {
  readonly type: 'string' | 'number' | 'boolean';
  readonly alias?: string;
  readonly describe: string;
}

export interface CommandSpec {
  readonly describe: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Values a flag takes from a fixed set (a comma-separated list when `list`). */
  readonly values: Readonly<Record<string, { values: readonly string[]; list?: boolean }>>;
  /** Positional arguments are files (compare's reports). */
  readonly fileArguments?: boolean;
}

export const COMMANDS = {
  matrix: {
    describe: 'probe every chosen node pair and show the heatmap with findings',
    options: MATRIX_OPTIONS,
    values: { output: { values: OUTPUT_FORMATS }, protocols: { values: PROTOCOLS, list: true }, network: { values: NETWORKS } },
  },
  nodes: {
    describe: 'check each node\'s network state (kernel, CNI agent, ARP table, conntrack, MTU, overlay, BGP): PASS/WARN/FAIL; exit 2 on any FAIL',
    options: NODES_OPTIONS,
    values: { output: { values: NODES_FORMATS } },
  },
  dns: {
    describe: 'DNS capacity: DNS pods vs the autoscaler formula, NodeLocal DNSCache, a stepped load ramp to the knee, replicas for --peak-qps',
    options: DNS_OPTIONS,
    values: { output: { values: DNS_FORMATS } },
  },
  compare: {
    describe: 'what regressed between two saved runs (matrix -o json --out FILE), e.g. before and after a kernel upgrade',
    options: COMPARE_OPTIONS,
    values: { output: { values: COMPARE_FORMATS } },
    fileArguments: true,
  },
  cleanup: {
    describe: 'remove what earlier runs left behind (found by label)',
    options: CLEANUP_OPTIONS,
    values: {},
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Flags every command has: the connection flags, and yargs' own. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...CONNECTION_OPTIONS,
  help: { type: 'boolean', alias: 'h', describe: 'show help' },
  version: { type: 'boolean', describe: 'show the version' },
};
