import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDecimal, parseFloat32, parseFieldFloat32, FIELD_END, parseIntBytes } from '../../src/io/parse-number.js';
import { Rng } from '../../src/core/rng.js';

const enc = new TextEncoder();
const f32 = (s: string) => { const b = enc.encode(s); return parseFloat32(b, 0, b.length); };
const f64 = (s: string) => { const b = enc.encode(s); return parseDecimal(b, 0, b.length); };
/** The CSV hot path on `s` followed by a delimiter (NaN = deferred to the general path). */
const field = (s: string) => { const b = enc.encode(s + ','); const v = parseFieldFloat32(b, 0, b.length, 44); if (v === v) assert.equal(FIELD_END[0], b.length - 1, s); return v; };

test('plain decimals parse exactly like Number() / Math.fround(Number())', () => {
  for (const s of ['0', '-0', '1', '-1', '+2.5', '3.', '.5', '-.5', '0.1', '1e3', '1E-3', '2.5e+10', '123456789012345678901234', '0.000001234', '1e-45', '1.401298464324817e-45', '3.4028235e38', '3.4028234663852886e38', '9007199254740993', '0.30000000000000004', ' 7 ', '\t8']) {
    assert.equal(Object.is(f64(s), Number(s)), true, `parseDecimal(${s})`);
    assert.equal(Object.is(f32(s), Math.fround(Number(s))), true, `parseFloat32(${s})`);
  }
});

test('anything that is not a plain decimal is NaN (no Number() leniency)', () => {
  for (const s of ['', ' ', 'abc', '1a', '0x10', 'Infinity', '-Infinity', 'NaN', 'nan', '1e', '1e+', '.', '-', '+', '1..2', '1.2.3', '1,5', '--1', 'e5', '1 2']) {
    assert.ok(Number.isNaN(f64(s)), `parseDecimal(${JSON.stringify(s)})`);
    assert.ok(Number.isNaN(f32(s)), `parseFloat32(${JSON.stringify(s)})`);
  }
});

test('randomised: parseFloat32 == fround(Number(s)) over many digit counts and exponents', () => {
  const rng = new Rng(7);
  for (let i = 0; i < 20000; i++) {
    const nd = 1 + rng.int(22);
    let digits = '';
    for (let k = 0; k < nd; k++) digits += String(rng.int(10));
    const dot = rng.int(nd + 1);
    let s = (rng.random() < 0.5 ? '-' : '') + digits.slice(0, dot) + (dot < nd ? '.' + digits.slice(dot) : '');
    if (s === '' || s === '-') s += '0';
    if (rng.random() < 0.5) s += 'e' + String(rng.int(90) - 50);
    const want = Math.fround(Number(s));
    assert.ok(Object.is(f32(s), want), `parseFloat32(${s}) = ${f32(s)}, want ${want}`);
    assert.ok(Object.is(f64(s), Number(s)), `parseDecimal(${s})`);
    assert.ok(Object.is(field(s), want), `parseFieldFloat32(${s}) = ${field(s)}, want ${want}`);
  }
  // long mantissas (the 40-digit bracket path and beyond)
  for (let i = 0; i < 3000; i++) {
    const nd = 16 + rng.int(50);
    let digits = String(1 + rng.int(9));
    for (let k = 1; k < nd; k++) digits += String(rng.int(10));
    const s = digits.slice(0, 1 + rng.int(nd)) + '.' + digits.slice(1) + (rng.random() < 0.5 ? `e${rng.int(80) - 60}` : '');
    const want = Math.fround(Number(s));
    assert.ok(Object.is(field(s), want), `parseFieldFloat32(${s})`);
    assert.ok(Object.is(f32(s), want), `parseFloat32(${s})`);
  }
  // float32 rounding boundaries (halfway cases), where double rounding is most fragile
  for (let i = 0; i < 2000; i++) {
    const x = Math.fround(rng.normal() * 10 ** (rng.int(20) - 10));
    const next = x + Math.abs(x) * 2 ** -23;
    const mid = (x + Math.fround(next)) / 2;
    for (const s of [mid.toPrecision(17), mid.toPrecision(9), x.toPrecision(9), String(x)]) {
      assert.ok(Object.is(f32(s), Math.fround(Number(s))), `boundary ${s}`);
      assert.ok(Object.is(field(s), Math.fround(Number(s))), `boundary field ${s}`);
    }
  }
});

test('parseFieldFloat32 stops at the delimiter or line end and defers anything unusual', () => {
  const b = enc.encode('1.5,-2e3\n7\r\n"4",x, 5,');
  assert.equal(parseFieldFloat32(b, 0, b.length, 44), 1.5); assert.equal(FIELD_END[0], 3);
  assert.equal(parseFieldFloat32(b, 4, b.length, 44), -2000); assert.equal(FIELD_END[0], 8);
  assert.equal(parseFieldFloat32(b, 9, b.length, 44), 7); assert.equal(FIELD_END[0], 10);
  assert.ok(Number.isNaN(parseFieldFloat32(b, 12, b.length, 44))); // quoted
  assert.ok(Number.isNaN(parseFieldFloat32(b, 16, b.length, 44))); // text
  assert.ok(Number.isNaN(parseFieldFloat32(b, 18, b.length, 44))); // leading space
  const cut = enc.encode('12.5');
  assert.ok(Number.isNaN(parseFieldFloat32(cut, 0, cut.length, 44))); // no terminator yet (chunk end)
});

test('parseIntBytes', () => {
  const p = (s: string) => { const b = enc.encode(s); return parseIntBytes(b, 0, b.length); };
  assert.equal(p('42'), 42); assert.equal(p('-3'), -3); assert.equal(p('+8'), 8);
  for (const s of ['', '-', '1.0', 'a1', '1e3', '99999999999999999999']) assert.ok(Number.isNaN(p(s)), s);
});
