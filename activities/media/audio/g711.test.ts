import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeG711, encodeG711, g711RoundTrip, type G711Law } from './g711.js';

const LAWS: G711Law[] = ['mulaw', 'alaw'];

function everyInt16(): Int16Array {
  const samples = new Int16Array(65_536);
  for (let i = 0; i < samples.length; i++) samples[i] = i - 32_768;
  return samples;
}

function sine(frequencyHz: number, amplitude: number, length: number, sampleRate = 8_000): Int16Array {
  return Int16Array.from({ length }, (_, n) => Math.round(amplitude * Math.sin((2 * Math.PI * frequencyHz * n) / sampleRate)));
}

function snrDb(reference: Int16Array, actual: Int16Array): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    signal += r * r;
    noise += (r - actual[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

test('µ-law known vectors (G.711 table 2a): silence is 0xFF, full scale is 0x80 / 0x00', () => {
  assert.deepEqual([...encodeG711(Int16Array.of(0, 32_767, -32_768, -1), 'mulaw')], [0xff, 0x80, 0x00, 0x7f]);
  assert.deepEqual([...decodeG711(Uint8Array.of(0xff, 0x7f, 0x80, 0x00), 'mulaw')], [0, 0, 32_124, -32_124]);
});

test('A-law known vectors (G.711 table 1a): silence is 0xD5, full scale is 0xAA / 0x2A', () => {
  assert.deepEqual([...encodeG711(Int16Array.of(0, 32_767, -32_768), 'alaw')], [0xd5, 0xaa, 0x2a]);
  assert.deepEqual([...decodeG711(Uint8Array.of(0xd5, 0x55, 0xaa, 0x2a), 'alaw')], [8, -8, 32_256, -32_256]);
});

for (const law of LAWS) {
  test(`${law}: every 16-bit value survives a round trip within the companding step (≤ 1/32 of its magnitude + 16)`, () => {
    const input = everyInt16();
    const output = decodeG711(encodeG711(input, law), law);
    assert.equal(output.length, input.length);
    for (let i = 0; i < input.length; i++) {
      const x = input[i]!;
      const error = Math.abs(output[i]! - x);
      assert.ok(error <= Math.abs(x) / 32 + 16, `${law}(${x}) decoded as ${output[i]}`);
    }
  });

  test(`${law}: decoding then encoding gives back every code`, () => {
    const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
    const again = encodeG711(decodeG711(codes, law), law);
    for (let code = 0; code < 256; code++) {
      // µ-law has two zeros (0x7F, 0xFF); both decode to 0, which encodes as 0xFF.
      if (law === 'mulaw' && code === 0x7f) assert.equal(again[code], 0xff);
      else assert.equal(again[code], code, `code 0x${code.toString(16)}`);
    }
  });

  test(`${law}: a 1 kHz sine at -10 dBm0 keeps > 35 dB SNR`, () => {
    // 0 dBm0 is a sine of peak 22 657 (G.711: +3.17 dBm0 at the µ-law overload point).
    const input = sine(1_000, 22_657 * 10 ** (-10 / 20), 8_000);
    const { sampleRate, samples } = g711RoundTrip({ sampleRate: 8_000, samples: input }, law);
    assert.equal(sampleRate, 8_000);
    assert.ok(snrDb(input, samples) > 35, `SNR ${snrDb(input, samples).toFixed(1)} dB`);
  });
}
