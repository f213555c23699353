// The top items of a profile written by profile-preload.cjs: each function's own share of the CPU
// samples (.cpuprofile) or of the bytes allocated (.heapprofile), or each file's with --by file.
//   node bench/profile-top.cjs FILE [--by function|file] [--top N]
'use strict';
const fs = require('node:fs');
const { parseArgs } = require('node:util');

const usage = 'usage: node bench/profile-top.cjs FILE.cpuprofile|FILE.heapprofile [--by function|file] [--top N]\n';
let values;
let positionals;
try {
  ({ values, positionals } = parseArgs({
    allowPositionals: true,
    options: { by: { type: 'string', default: 'function' }, top: { type: 'string', default: '30' }, help: { type: 'boolean' } },
  }));
} catch (err) {
  process.stderr.write(`${err.message.replace(/\. To specify a positional argument.*$/s, '')}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (positionals.length !== 1 || !['function', 'file'].includes(values.by)) {
  process.stderr.write(`one profile file, and --by function or file\n${usage}`);
  process.exit(2);
}

const profile = JSON.parse(fs.readFileSync(positionals[0], 'utf8'));

/** Where a frame's code lives, shortened: the repository's path, or the package inside node_modules. */
function where(frame) {
  const url = frame.url.replace(/^file:\/\//, '');
  const inPackage = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (values.by === 'file') return inPackage ? inPackage[1] : url.replace(/^.*?\/(services|packages|bench)\//, '$1/') || frame.functionName || '(native)';
  const file = inPackage ? `${inPackage[1]}:${url.split('/').pop()}` : url.replace(/^.*?\/(services|packages|bench)\//, '$1/');
  return `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
}

const own = new Map();
let total = 0;
const add = (key, amount) => {
  own.set(key, (own.get(key) || 0) + amount);
  total += amount;
};
const cpu = Array.isArray(profile.nodes) && Array.isArray(profile.timeDeltas);
if (cpu) {
  // CPU: each sample's time delta goes to the function it landed in.
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  profile.samples.forEach((id, i) => add(where(nodes.get(id).callFrame), profile.timeDeltas[i] || 0));
} else if (profile.head) {
  // Heap: each node's bytes allocated by that function itself.
  const walk = (node) => {
    add(where(node.callFrame), node.selfSize);
    node.children.forEach(walk);
  };
  walk(profile.head);
} else {
  process.stderr.write('not a .cpuprofile or .heapprofile\n');
  process.exit(2);
}

const unit = cpu ? (v) => `${(v / 1000).toFixed(0)} ms` : (v) => `${(v / 1e6).toFixed(1)} MB`;
process.stdout.write(`total ${unit(total)}\n`);
for (const [key, amount] of [...own].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  process.stdout.write(`${((100 * amount) / total).toFixed(1).padStart(5)}%  ${unit(amount).padStart(9)}  ${key}\n`);
}
