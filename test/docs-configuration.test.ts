// docs/configuration.md must list every key a config file may hold: the top-level keys of the schema, the data
// kinds, and the keys of "gdpp" and of each optimiser — so the reference cannot silently fall behind the schema.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../src/train/config.js';

const doc = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');

/** Table rows of the doc: the first cell's `code` text, per row. */
function documentedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const line of doc.split('\n')) {
    const match = /^\| `([A-Za-z0-9-]+)` \|/.exec(line);
    if (match) keys.add(match[1]);
  }
  return keys;
}

describe('docs/configuration.md', () => {
  const keys = documentedKeys();

  it('lists every top-level config key', () => {
    const schemaKeys = Object.keys(configSchema.shape);
    expect(schemaKeys.length).toBeGreaterThan(15);
    expect(schemaKeys.filter((k) => !keys.has(k))).toEqual([]);
  });

  it('lists every data kind, GDPP key and Adam key', () => {
    const expected = ['ring', 'grid', 'mixture', 'mnist', 'stacked-mnist', 'images'];
    expected.push('weight', 'magnitudeWeight', 'signInvariant', 'lr', 'beta1', 'beta2', 'epsilon');
    expect(expected.filter((k) => !keys.has(k))).toEqual([]);
  });

  it('documents no key the schema does not accept', () => {
    const accepted = new Set([
      ...Object.keys(configSchema.shape),
      ...['ring', 'grid', 'mixture', 'mnist', 'stacked-mnist', 'images'],
      ...['weight', 'magnitudeWeight', 'signInvariant', 'lr', 'beta1', 'beta2', 'epsilon'],
    ]);
    expect([...keys].filter((k) => !accepted.has(k))).toEqual([]);
  });

  it('its minimal config is valid and means what the text says', async () => {
    const { parseConfig } = await import('../src/train/config.js');
    const block = /## A minimal config\n\n```json\n([^`]+)```/.exec(doc);
    expect(block).not.toBeNull();
    const config = parseConfig(JSON.parse((block as RegExpExecArray)[1]));
    expect(config).toMatchObject({
      iterations: 25000,
      batchSize: 512,
      schedule: 'simultaneous',
      optim: { g: { lr: 1e-3, beta1: 0.5 }, d: { lr: 1e-4, beta1: 0.5 } },
      gdpp: { weight: 1, magnitudeWeight: 1e-4 },
    });
  });
});
