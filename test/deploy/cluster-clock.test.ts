// The skew between this machine's clock and the cluster's, from one Date header: exact bounds at
// the extremes, the true skew always inside them, and the line stderr gets when it matters.
import { ClusterClock, describeSkew, skewBounds, skewEstimate } from '../../src/deploy/cluster-clock.ts';
import { seededRandom } from '../support/agent-results.ts';

test('bounds: the server read its clock between send and receive, up to a second above its Date header', () => {
  // Local clock 120 s ahead: the server's 10:00:00.x is read here at 10:02:00.1–10:02:00.3.
  const ahead = { sentAt: Date.parse('2026-03-01T10:02:00.100Z'), receivedAt: Date.parse('2026-03-01T10:02:00.300Z'), serverDate: Date.parse('2026-03-01T10:00:00Z') };
  expect(skewBounds(ahead)).toEqual({ low: -120_300, high: -119_100 });
  expect(skewEstimate(ahead)).toBe(-119_700);
  // A header a whole second before the request was sent is still possible: the server read .999.
  expect(skewBounds({ sentAt: 5_000, receivedAt: 5_000, serverDate: 4_000 })).toEqual({ low: -1_000, high: 0 });
  expect(skewEstimate({ sentAt: 5_000, receivedAt: 5_000, serverDate: 4_000 })).toBe(0);
  // Local clock 120 s behind.
  expect(skewEstimate({ sentAt: 1_000_050, receivedAt: 1_000_070, serverDate: 1_120_000 })).toBe(120_440);
});

test('clocks that may agree are left alone; a skew just beyond the header\'s resolution is corrected', () => {
  expect(skewEstimate({ sentAt: 7_400, receivedAt: 7_450, serverDate: 7_000 })).toBe(0);
  // The server's second ended before we sent: its clock is behind by more than 0.
  expect(skewEstimate({ sentAt: 8_001, receivedAt: 8_003, serverDate: 7_000 })).toBe(-502);
  expect(skewEstimate({ sentAt: 7_990, receivedAt: 7_999, serverDate: 8_000 })).toBe(506);
});

test('the true skew lies within the bounds, and the estimate within their width of it, for any skew, latency and phase', () => {
  const random = seededRandom(9);
  const wrong: object[] = [];
  for (let i = 0; i < 10_000; i++) {
    const skew = Math.round((random() - 0.5) * 2 * 10 ** (random() * 7)); // up to ±10^7 ms, mostly small
    const sentAt = 1.8e12 + Math.floor(random() * 1e6);
    const readAt = sentAt + Math.floor(random() * 300);
    const receivedAt = readAt + Math.floor(random() * 300);
    const reading = { sentAt, receivedAt, serverDate: Math.floor((readAt + skew) / 1000) * 1000 };
    const { low, high } = skewBounds(reading);
    if (skew < low || skew > high || Math.abs(skewEstimate(reading) - skew) > high - low) wrong.push({ skew, ...reading });
  }
  expect(wrong).toEqual([]);
});

test('the cluster clock: now and back to this machine\'s', () => {
  const clock = new ClusterClock(-120_000);
  const before = Date.now();
  const now = clock.now();
  expect(now - before).toBeGreaterThanOrEqual(-120_000);
  expect(now - Date.now()).toBeLessThanOrEqual(-120_000);
  expect(clock.toLocal(Date.parse('2026-03-01T10:00:00Z'))).toBe(Date.parse('2026-03-01T10:02:00Z'));
});

test('said on stderr from a second on, which way and how far', () => {
  expect(describeSkew(0)).toBeNull();
  expect(describeSkew(999)).toBeNull();
  expect(describeSkew(-999)).toBeNull();
  expect(describeSkew(1000)).toBe("this machine's clock is 1 s behind the cluster's (the API server's Date header): the run's start, waits and times follow the cluster's clock");
  expect(describeSkew(-119_700)).toBe("this machine's clock is 120 s ahead of the cluster's (the API server's Date header): the run's start, waits and times follow the cluster's clock");
});
