import { independentChannelsCoverage } from '../src/metrics/index.js';
import { Random } from '../src/random.js';
const marginal = [0.3, 0.2, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.03, 0.02];
for (const seed of [4, 5, 6, 7]) {
const random = new Random(seed);
const draw = () => { let u = random.uniform(); for (let d = 0; d < 10; d++) if ((u -= marginal[d]) < 0) return d; return 9; };
const counts = new Float64Array(1000); let total = 0;
for (let t = 0; t < 20; t++) { counts.fill(0); for (let i = 0; i < 2000; i++) counts[100 * draw() + 10 * draw() + draw()]++; total += counts.filter((c) => c > 0).length; }
console.log(seed, total / 20, independentChannelsCoverage([marginal, marginal, marginal], 2000));
}
