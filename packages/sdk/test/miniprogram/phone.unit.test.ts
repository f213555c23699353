// The test phone refuses what WeChat refuses, so a page or an SDK build that leans on Node fails the
// example's tests instead of a real phone: no Node built-ins or packages outside miniprogram_npm, no
// Node globals, no wx API the phone does not model, and data WeChat would warn about.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startPhone } from './phone';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rtcroom-phone-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function miniprogram(files: Record<string, string>) {
  const all: Record<string, string> = { 'app.json': JSON.stringify({ pages: ['pages/index/index'] }), 'app.js': 'App({});', ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const page = (body: string) => `Page({ data: { x: 1 }, onLoad() { ${body} } });`;

it('finds relative modules, /-rooted ones and packages in miniprogram_npm (index.js)', async () => {
  miniprogram({
    'pages/index/index.js': "const a = require('../../utils/a'); const b = require('/utils/b.js'); const pkg = require('pkg'); Page({ data: { v: a + b + pkg.v } });",
    'utils/a.js': 'module.exports = 1;',
    'utils/b.js': 'module.exports = 2;',
    'miniprogram_npm/pkg/index.js': 'exports.v = 3;',
  });
  expect((await startPhone(root)).top('pages/index/index').data.v).toBe(6);
});

it.each([
  ['a Node built-in', "require('fs')", /module 'fs' is not defined/],
  ['a package that is not in miniprogram_npm', "require('ws')", /module 'ws' is not defined/],
  ['a file outside the mini-program', "require('../../../outside.js')", /is not defined/],
])('a page that requires %s fails to load', async (_what, code, error) => {
  miniprogram({ 'pages/index/index.js': page(code) });
  const phone = await startPhone(root);
  expect(phone.problems).toEqual([expect.stringMatching(error)]);
});

it.each(['process.env', 'Buffer.from("x")', 'globalThis.x', 'fetch("x")', 'new WebSocket("ws://x")', 'setImmediate(() => 0)'])('%s is not there', async (code) => {
  miniprogram({ 'pages/index/index.js': page(code) });
  const phone = await startPhone(root);
  expect(phone.problems).toEqual([expect.stringMatching(/TypeError/)]);
});

it('a wx API the phone does not model is an error, not a silent no-op', async () => {
  miniprogram({ 'pages/index/index.js': page('wx.getLocation({})') });
  expect((await startPhone(root)).problems).toEqual([expect.stringMatching(/wx.getLocation is not emulated/)]);
});

it('setData with undefined is reported, as WeChat warns of it', async () => {
  miniprogram({ 'pages/index/index.js': page('this.setData({ x: undefined })') });
  const phone = await startPhone(root);
  expect(phone.problems).toEqual(['pages/index/index: Setting data field "x" to undefined is invalid.']);
  expect(phone.top().data.x).toBe(1);
});
