// The lab's container logs behave as the runtime's and the kubelet's do (runtime/cri-log.ts):
// long lines become partial entries joined back when served; a rotation serves only what came after.
import { CRI_MAX_LINE_BYTES, CriLog } from './runtime/cri-log.ts';

const write = (log: CriLog, text: string) => log.write('stdout', Buffer.from(text));

describe('CRI container logs', () => {
  test('a line longer than 16 KiB is split into partial entries and served whole', () => {
    const log = new CriLog();
    const long = 'x'.repeat(40 * 1024);
    write(log, `first\n${long.slice(0, 10_000)}`);
    write(log, `${long.slice(10_000)}\nlast\n`);
    expect(log.served()).toBe(`first\n${long}\nlast\n`);
    // Three entries for the long line (16 KiB, 16 KiB, 8 KiB) and one each for the short ones, ~60 bytes of framing apiece.
    expect(log.size).toBeGreaterThan(long.length + 10 + 5 * 40);
  });

  test('a rotation between two partial entries of a line leaves only its tail', () => {
    const log = new CriLog();
    write(log, 'a'.repeat(CRI_MAX_LINE_BYTES));
    log.rotate();
    write(log, 'bbb\nnext\n');
    expect(log.served()).toBe('bbb\nnext\n');
    expect(log.rotations).toBe(1);
    expect(log.size).toBeLessThan(200);
  });

  test('stdout and stderr are separate lines in one file; an unfinished last line stays as written', () => {
    const log = new CriLog();
    write(log, 'out ');
    log.write('stderr', Buffer.from('progress\n'));
    write(log, 'line\nno newline');
    log.close();
    expect(log.served()).toBe('progress\nout line\nno newline');
  });
});
