// Terminal colours, or plain text when the CLI says there is no colour (not a TTY, NO_COLOR).
export type Paint = 'red' | 'yellow' | 'green' | 'grey' | 'bold';

const SGR: Record<Paint, [number, number]> = { red: [31, 39], yellow: [33, 39], green: [32, 39], grey: [90, 39], bold: [1, 22] };

export function paint(text: string, style: Paint, color: boolean): string {
  if (!color) return text;
  const [on, off] = SGR[style];
  return `\u001b[${on}m${text}\u001b[${off}m`;
}

/** Printed width: escape sequences take none. */
export function visibleLength(text: string): number {
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}
