import { readFileSync, writeFileSync } from 'node:fs';
import { modeMapPng } from '../src/report/mode-map.js';
const counts = new Float64Array(1000);
let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
for (let i = 0; i < 26000; i++) { const m = Math.floor(Math.pow(rnd(), 1.6) * 1000); counts[m]++; }
for (let m = 300; m < 330; m++) counts[m] = 0;
writeFileSync('tmp-prof/modemap.png', modeMapPng(counts, { title: 'GDPP-GAN, magnitude 30 + G moving average (ours) seed 1, step 4000, moving average of G, latent seed 0' }));
