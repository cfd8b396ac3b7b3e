#!/usr/bin/env node
// Summarize a V8 .cpuprofile: top functions by self time, and top packages/files by self time.
// Usage: node bench/profile-summary.js FILE.cpuprofile [TOP]
'use strict';
const fs = require('fs');
const path = require('path');
const file = process.argv[2];
const top = Number(process.argv[3] || 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map(n => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  self.set(id, (self.get(id) || 0) + (dt[i] || 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const root = process.cwd();
function where(cf) {
  let u = cf.url || '';
  if (u.startsWith('file://')) u = u.slice(7);
  if (u.startsWith(root)) u = u.slice(root.length + 1);
  return u;
}
function group(u) {
  if (!u) return '(native/vm)';
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 13).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (u.startsWith('node:')) return 'node internals';
  return u.split('/').slice(0, 3).join('/');
}
const fn = new Map();
const grp = new Map();
for (const [id, t] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const u = where(cf);
  const key = `${cf.functionName || '(anonymous)'}  ${u ? `${u}:${cf.lineNumber + 1}` : ''}`;
  fn.set(key, (fn.get(key) || 0) + t);
  const g = cf.functionName === '(garbage collector)' ? '(garbage collector)' : group(u);
  grp.set(g, (grp.get(g) || 0) + t);
}
const ms = t => (t / 1000).toFixed(1).padStart(8);
const pct = t => `${(100 * t / total).toFixed(1).padStart(5)}%`;
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms  (${path.basename(file)})`);
console.log('\nself time by package / folder:');
for (const [k, t] of [...grp].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms(t)} ms ${pct(t)}  ${k}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(t)} ms ${pct(t)}  ${k}`);

// Inclusive ("total") time: each function's self time plus everything it called (counted once per stack).
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
const inclusive = new Map();
for (const [id, t] of self) {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const u = where(cf);
    const key = `${cf.functionName || '(anonymous)'}  ${u ? `${u}:${cf.lineNumber + 1}` : ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) || 0) + t);
  }
}
console.log(`\ntop ${top} functions by total time (self + callees):`);
for (const [k, t] of [...inclusive].filter(([k]) => !k.startsWith('(root)')).sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(t)} ms ${pct(t)}  ${k}`);
