// bench/keyless_js.mjs - the peer side of bench/keyless.sh: @sigstore/sign (through the
// `sigstore` package) signs FILE keyless N times in one process against the loopback services
// at URL (Fulcio, Rekor v1, TSA) with the token TOKEN, and prints the median milliseconds per
// signature. usage: node keyless_js.mjs URL TOKEN FILE N   env: PEERS_NODE (node_modules dir)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(path.join(process.env.PEERS_NODE, 'package.json'));
const sigstore = require('sigstore');
const [url, token, file, n] = process.argv.slice(2);
const data = fs.readFileSync(file);
const opts = { fulcioURL: url, rekorURL: url, tsaServerURL: url, tlogUpload: true, identityToken: token };
const times = [];
for (let i = 0; i < Number(n); i++) {
  const t0 = process.hrtime.bigint();
  await sigstore.sign(data, opts);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
console.log(times[Math.floor(times.length / 2)].toFixed(1));
