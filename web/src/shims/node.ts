// Browser stand-ins for the Node built-ins that some library modules import for their Node-only features
// (config files, checkpoints, MNIST files). The playground never calls those features; if it did, the call
// fails loudly. `createHash('sha256')` is real (a small SHA-256), because a Trainer hashes its config.
function unavailable(name: string): never {
  throw new Error(`${name} is not available in the browser`);
}

export const readFileSync = () => unavailable('fs.readFileSync');
export const writeFileSync = () => unavailable('fs.writeFileSync');
export const readdirSync = () => unavailable('fs.readdirSync');
export const existsSync = () => false;
export const mkdirSync = () => unavailable('fs.mkdirSync');
export const renameSync = () => unavailable('fs.renameSync');
export const rmSync = () => unavailable('fs.rmSync');
export const appendFileSync = () => unavailable('fs.appendFileSync');
export const openSync = () => unavailable('fs.openSync');
export const fsyncSync = () => unavailable('fs.fsyncSync');
export const closeSync = () => unavailable('fs.closeSync');
export const statSync = () => unavailable('fs.statSync');
export const unlinkSync = () => unavailable('fs.unlinkSync');
export const gunzipSync = () => unavailable('zlib.gunzipSync');
export const createRequire = () => () => unavailable('module.createRequire');
export const homedir = () => '/';
export const tmpdir = () => '/tmp';
export const join = (...parts: string[]) => parts.join('/');
export const resolve = (...parts: string[]) => parts.join('/');
export const dirname = (path: string) => path.slice(0, path.lastIndexOf('/'));
export const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

function sha256(bytes: Uint8Array): Uint8Array {
  const length = bytes.length;
  const padded = new Uint8Array(Math.ceil((length + 9) / 64) * 64);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor((length * 8) / 2 ** 32));
  view.setUint32(padded.length - 4, (length * 8) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
  for (let block = 0; block < padded.length; block += 64) {
    for (let t = 0; t < 16; t++) w[t] = view.getUint32(block + 4 * t);
    for (let t = 16; t < 64; t++) {
      const s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >>> 3);
      const s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >>> 10);
      w[t] = (w[t - 16] + s0 + w[t - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let t = 0; t < 64; t++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const next = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = (h[i] + next[i]) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(4 * i, h[i]);
  return out;
}

export function createHash(algorithm: string) {
  if (algorithm !== 'sha256') unavailable(`crypto.createHash('${algorithm}')`);
  const chunks: Uint8Array[] = [];
  const hash = {
    update(data: string | Uint8Array) {
      chunks.push(typeof data === 'string' ? new TextEncoder().encode(data) : data);
      return hash;
    },
    digest(encoding: 'hex') {
      if (encoding !== 'hex') unavailable(`digest('${encoding}')`);
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        all.set(chunk, offset);
        offset += chunk.length;
      }
      return Array.from(sha256(all), (byte) => byte.toString(16).padStart(2, '0')).join('');
    },
  };
  return hash;
}

export default { readFileSync, writeFileSync, existsSync, createHash };
