import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors, encodeSafetensors, readSafetensorsHeader,
  f16ToF32, f32ToF16, bf16ToF32, f32ToBf16, f16ArrayToF32,
} from '../../src/runtime/safetensors.js';
import type { SafeTensorInput } from '../../src/runtime/safetensors.js';
import { readSafetensorsFile, writeSafetensorsFile } from '../../src/runtime/safetensors-node.js';
import { IrsdeError } from '../../src/common/errors.js';

/** Build a file by hand from a header object and raw data bytes (no padding unless asked). */
function rawFile(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while ((json.length % 8) !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function throwsBad(fn: () => unknown, what: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IrsdeError, `not an IrsdeError: ${String(e)}`);
    assert.equal(e.code, 'bad-safetensors');
    assert.match(e.message, what);
    return true;
  });
}

test('encode writes the exact Hugging Face layout (u64 LE size, space-padded JSON, sorted, contiguous LE data)', () => {
  const bytes = encodeSafetensors(
    { b: { dtype: 'F32', shape: [2], data: new Float32Array([1, -2]) }, a: { dtype: 'I32', shape: [1, 1], data: new Int32Array([7]) } },
    { format: 'pt' },
  );
  const json = '{"__metadata__":{"format":"pt"},"a":{"dtype":"I32","shape":[1,1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const expected = new Uint8Array(8 + padded.length + 12);
  const dv = new DataView(expected.buffer);
  dv.setUint32(0, padded.length, true);
  expected.set(new TextEncoder().encode(padded), 8);
  const d = 8 + padded.length;
  dv.setInt32(d, 7, true);
  dv.setFloat32(d + 4, 1, true);
  dv.setFloat32(d + 8, -2, true);
  assert.deepEqual(bytes, expected);
  assert.equal((8 + padded.length) % 8, 0);
});

test('round-trips every dtype, scalars and empty tensors; the result does not alias the input', () => {
  const tensors: Record<string, SafeTensorInput> = {
    f64: { dtype: 'F64', shape: [3], data: new Float64Array([1.5, -Math.PI, 1e300]) },
    f32: { dtype: 'F32', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    f16: { dtype: 'F16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) },
    bf16: { dtype: 'BF16', shape: [1], data: new Uint16Array([0x3f80]) },
    i64: { dtype: 'I64', shape: [2], data: new BigInt64Array([-(2n ** 62n), 5n]) },
    u64: { dtype: 'U64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
    i32: { dtype: 'I32', shape: [1], data: new Int32Array([-7]) },
    i16: { dtype: 'I16', shape: [1], data: new Int16Array([-300]) },
    i8: { dtype: 'I8', shape: [3], data: new Int8Array([-1, 0, 1]) },
    u32: { dtype: 'U32', shape: [1], data: new Uint32Array([4e9]) },
    u16: { dtype: 'U16', shape: [1], data: new Uint16Array([65535]) },
    u8: { dtype: 'U8', shape: [1, 3], data: new Uint8Array([0, 128, 255]) },
    bool: { dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
    scalar: { dtype: 'F32', shape: [], data: new Float32Array([42]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    ['__proto__']: { dtype: 'F32', shape: [1], data: new Float32Array([9]) },
  };
  const bytes = encodeSafetensors(tensors, { note: 'ü ✓', step: '12' });
  const dec = decodeSafetensors(bytes);
  assert.deepEqual(dec.metadata, Object.assign(Object.create(null), { note: 'ü ✓', step: '12' }));
  assert.deepEqual(Object.keys(dec.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    const got = dec.tensors[name]!;
    assert.equal(got.dtype, t.dtype, name);
    assert.deepEqual(got.shape, t.shape, name);
    assert.deepEqual(got.data, t.data, name);
    assert.equal(got.data.constructor, t.data.constructor, name);
  }
  (dec.tensors['f32']!.data as Float32Array)[0] = 99;
  assert.equal(decodeSafetensors(bytes).tensors['f32']!.data[0], 1);
  // the header-only view agrees
  const h = readSafetensorsHeader(bytes);
  assert.deepEqual(h.tensors['f32']!.shape, [2, 2]);
  assert.equal(h.metadata['step'], '12');
});

test('half precision: exact conversions, round-to-nearest-even on encode, toFloat32 on decode', () => {
  assert.equal(f16ToF32(0x3c00), 1);
  assert.equal(f16ToF32(0xc000), -2);
  assert.equal(f16ToF32(0x7bff), 65504);
  assert.equal(f16ToF32(0x0001), 2 ** -24);
  assert.equal(f16ToF32(0x7c00), Infinity);
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.equal(f32ToF16(1 + 2 ** -11), 0x3c00); // halfway: to even
  assert.equal(f32ToF16(1 + 3 * 2 ** -11), 0x3c02); // halfway: to even (up)
  assert.equal(f32ToF16(65520), 0x7c00); // rounds to inf
  assert.equal(f32ToF16(2 ** -25), 0x0000); // halfway to the smallest subnormal: to even (zero)
  assert.equal(f32ToF16(3 * 2 ** -25), 0x0002);
  assert.equal(f32ToF16(-0), 0x8000);
  for (let h = 0; h < 0x7c00; h += 37) assert.equal(f32ToF16(f16ToF32(h)), h);
  assert.equal(bf16ToF32(0x3f80), 1);
  assert.equal(bf16ToF32(0x4049), 3.140625);
  assert.equal(f32ToBf16(Math.PI), 0x4049);
  assert.equal(f32ToBf16(1 + 2 ** -8), 0x3f80); // halfway: to even
  assert.ok(Number.isNaN(bf16ToF32(f32ToBf16(NaN))));

  const bytes = encodeSafetensors({
    h: { dtype: 'F16', shape: [3], data: new Float32Array([0.5, -1.5, 1 + 2 ** -11]) },
    b: { dtype: 'BF16', shape: [2], data: new Float32Array([1, -2]) },
  });
  const raw = decodeSafetensors(bytes);
  assert.equal(raw.tensors['h']!.dtype, 'F16');
  assert.deepEqual(raw.tensors['h']!.data, new Uint16Array([0x3800, 0xbe00, 0x3c00]));
  const f = decodeSafetensors(bytes, { toFloat32: true });
  assert.equal(f.tensors['h']!.dtype, 'F32');
  assert.deepEqual(f.tensors['h']!.data, new Float32Array([0.5, -1.5, 1]));
  assert.deepEqual(f.tensors['b']!.data, new Float32Array([1, -2]));
});

test('reads files from other writers: any tensor order, unaligned input buffer, unpadded header', () => {
  const data = new Uint8Array(12);
  const dv = new DataView(data.buffer);
  dv.setFloat32(0, 3.5, true); // "z" first in the data
  dv.setFloat32(4, -1, true);
  dv.setFloat32(8, 2, true);
  const file = rawFile({ y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] }, z: { dtype: 'F32', shape: [], data_offsets: [0, 4] } }, data, false);
  const shifted = new Uint8Array(file.length + 3);
  shifted.set(file, 3);
  const dec = decodeSafetensors(shifted.subarray(3));
  assert.deepEqual(dec.tensors['z']!.data, new Float32Array([3.5]));
  assert.deepEqual(dec.tensors['y']!.data, new Float32Array([-1, 2]));
  assert.deepEqual(dec.metadata, Object.create(null));
});

test('every kind of corruption is an IrsdeError("bad-safetensors") that says what is wrong', () => {
  const f32 = (shape: number[], offs: [number, number]) => ({ dtype: 'F32', shape, data_offsets: offs });
  const eight = new Uint8Array(8);
  throwsBad(() => decodeSafetensors(new Uint8Array(5)), /shorter than/);
  const good = encodeSafetensors({ w: { dtype: 'F32', shape: [4], data: new Float32Array(4) } });
  throwsBad(() => decodeSafetensors(good.subarray(0, good.length - 1)), /cover|past the end/);
  throwsBad(() => decodeSafetensors(good.subarray(0, 20)), /runs past the end/);
  const huge = new Uint8Array(16);
  new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
  throwsBad(() => decodeSafetensors(huge), /limit/);
  const badJson = rawFile({}, new Uint8Array(0));
  badJson.set(new TextEncoder().encode('{"a":'), 8);
  throwsBad(() => decodeSafetensors(badJson), /not valid JSON/);
  throwsBad(() => decodeSafetensors(rawFile([1, 2], new Uint8Array(0))), /start with|not a JSON object/);
  throwsBad(() => decodeSafetensors(rawFile({ w: { dtype: 'F33', shape: [2], data_offsets: [0, 8] } }, eight)), /unknown dtype "F33"/);
  // a valid dtype of the format that irsde does not read is named as unsupported, not as corruption
  assert.throws(() => decodeSafetensors(rawFile({ w: { dtype: 'F8_E4M3', shape: [8], data_offsets: [0, 8] } }, eight)),
    (e: IrsdeError) => e.code === 'unsupported-safetensors' && /dtype "F8_E4M3", which irsde does not read/.test(e.message) && /convert/.test(e.hint ?? ''));
  throwsBad(() => decodeSafetensors(rawFile({ w: f32([-2], [0, 8]) }, eight)), /invalid shape/);
  throwsBad(() => decodeSafetensors(rawFile({ w: f32([2.5], [0, 8]) }, eight)), /invalid shape/);
  throwsBad(() => decodeSafetensors(rawFile({ w: { dtype: 'F32', shape: [2] } }, eight)), /invalid data_offsets/);
  throwsBad(() => decodeSafetensors(rawFile({ w: f32([2], [8, 0]) }, eight)), /end before begin/);
  throwsBad(() => decodeSafetensors(rawFile({ w: f32([4], [0, 16]) }, eight)), /past the end/);
  throwsBad(() => decodeSafetensors(rawFile({ w: f32([3], [0, 8]) }, eight)), /12 bytes but data_offsets span 8/);
  throwsBad(() => decodeSafetensors(rawFile({ a: f32([2], [0, 8]), b: f32([1], [4, 8]) }, eight)), /overlaps/);
  throwsBad(() => decodeSafetensors(rawFile({ a: f32([1], [4, 8]) }, eight)), /gap/);
  throwsBad(() => decodeSafetensors(rawFile({ a: f32([1], [0, 4]) }, eight)), /trailing/);
  throwsBad(() => decodeSafetensors(rawFile({ __metadata__: { n: 1 } }, new Uint8Array(0))), /metadata "n" is not a string/);
  throwsBad(() => decodeSafetensors(rawFile({ w: 'x' }, new Uint8Array(0))), /not an object/);
  const notUtf8 = rawFile({ a: 1 }, new Uint8Array(0));
  notUtf8[9] = 0xff;
  throwsBad(() => decodeSafetensors(notUtf8), /UTF-8/);
  // encode-side checks
  throwsBad(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } }), /3 elements\) but 2 values/);
  throwsBad(() => encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } }), /Float64Array/);
  throwsBad(() => encodeSafetensors({}, { n: 5 as unknown as string }), /not a string/);
  throwsBad(() => encodeSafetensors({ __metadata__: { dtype: 'F32', shape: [], data: new Float32Array(1) } }), /__metadata__/);
  // the error carries a hint
  try {
    decodeSafetensors(new Uint8Array(3));
  } catch (e) {
    assert.ok((e as IrsdeError).hint);
  }
});

test('Node files: atomic write, read back, errors name the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsde-st-'));
  try {
    const path = join(dir, 'sub', 'w.safetensors');
    await writeSafetensorsFile(path, { w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } }, { epoch: '3' });
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['w.safetensors']); // no temp file left behind
    const got = await readSafetensorsFile(path);
    assert.deepEqual(got.tensors['w']!.data, new Float32Array([1, 2]));
    assert.equal(got.metadata['epoch'], '3');
    await writeSafetensorsFile(path, { v: { dtype: 'U8', shape: [1], data: new Uint8Array([5]) } });
    assert.deepEqual(Object.keys((await readSafetensorsFile(path)).tensors), ['v']);

    await assert.rejects(readSafetensorsFile(join(dir, 'nope.safetensors')), (e: unknown) => e instanceof IrsdeError && e.code === 'file-not-found');
    const broken = join(dir, 'broken.safetensors');
    writeFileSync(broken, readFileSync(path).subarray(0, 12));
    await assert.rejects(readSafetensorsFile(broken), (e: unknown) =>
      e instanceof IrsdeError && e.code === 'bad-safetensors' && e.file === broken && e.message.includes(broken));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('f16ArrayToF32 (by table) equals f16ToF32 on every one of the 65 536 halves', () => {
  const all = Uint16Array.from({ length: 65536 }, (_, h) => h);
  const out = f16ArrayToF32(all);
  for (let h = 0; h < 65536; h++) {
    const want = Math.fround(f16ToF32(h));
    if (!Object.is(out[h], want)) assert.fail(`half 0x${h.toString(16)}: ${out[h]} vs ${want}`);
  }
});

test('mixed dtypes are written widest first, so every tensor starts at a multiple of its element size', () => {
  const bytes = encodeSafetensors({
    a_u8: { dtype: 'U8', shape: [3], data: Uint8Array.of(1, 2, 3) },
    b_f32: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) },
    c_f16: { dtype: 'F16', shape: [1], data: Uint16Array.of(15360) },
    d_f64: { dtype: 'F64', shape: [1], data: Float64Array.of(0.5) },
  });
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string; data_offsets: [number, number] }>;
  const size: Record<string, number> = { U8: 1, F16: 2, F32: 4, F64: 8 };
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    assert.equal((8 + n + t.data_offsets[0]) % size[t.dtype]!, 0, `${name} at ${t.data_offsets[0]}`);
  }
  assert.deepEqual(Array.from(decodeSafetensors(bytes).tensors['b_f32']!.data as Float32Array), [1, 2]);
});
