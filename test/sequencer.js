/**
 * Jest test order: the suites known to take longest start first, then jest's own order
 * (failed first, then by the durations of earlier runs, else by file size). On a fresh clone
 * jest has no durations and orders by size, which started the 3 KB concurrency suite (20 s)
 * last: the run ended with one worker idle for ~10 s.
 */
'use strict';
const Sequencer = require('@jest/test-sequencer').default;

/** Slowest first (seconds on a 2-core machine, with the other worker busy). */
const SLOW = [
  'package/consumer.test.ts', // ~60: npm installs of the packed package
  'gitops/release.test.ts', // ~23
  'gitops/concurrency.test.ts', // ~21 (16 processes)
  'faults/release-faults.test.ts', // ~10
  'gitops/reference-app.test.ts', // ~14
  'gitops/promote-rollback-diff.test.ts', // ~12
  'gate/prometheus-e2e.test.ts', // ~10, mostly waiting for a real Prometheus' first scrapes
];

class SlowFirst extends Sequencer {
  sort(tests) {
    const rank = t => {
      const i = SLOW.findIndex(s => t.path.replace(/\\/g, '/').endsWith(`/test/${s}`));
      return i < 0 ? SLOW.length : i;
    };
    return super.sort(tests).map((t, i) => [t, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([t]) => t);
  }
}

module.exports = SlowFirst;
