import { describe, expect, it } from 'vitest';
import { STATIC_ASSET_PATHS, mapConfigJson, resolveStaticAsset } from './static-assets.ts';

const EXPECTED: Record<string, string> = {
  '/': 'text/html',
  '/index.html': 'text/html',
  '/assets/app.js': 'text/javascript',
  '/assets/style.css': 'text/css',
  '/vendor/leaflet/leaflet.js': 'text/javascript',
  '/vendor/leaflet/leaflet.css': 'text/css',
  '/vendor/topojson-client.js': 'text/javascript',
  '/basemap/countries-110m.json': 'application/json',
  '/basemap/land-110m.json': 'application/json',
};

describe('resolveStaticAsset', () => {
  it('serves exactly the documented routes', () => {
    expect([...STATIC_ASSET_PATHS].sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s resolves with content type %s', (path, type) => {
    const asset = resolveStaticAsset(path);
    expect(asset).toBeDefined();
    expect(asset!.contentType.split(';')[0]).toBe(type);
    expect(asset!.body.length).toBeGreaterThan(100);
  });

  it('returns the expected files', () => {
    const page = resolveStaticAsset('/')!.body.toString('utf8');
    expect(page).toMatch(/^<!doctype html>/i);
    expect(page).toContain('/assets/app.js');
    expect(resolveStaticAsset('/index.html')!.body).toBe(resolveStaticAsset('/')!.body);
    expect(resolveStaticAsset('/vendor/leaflet/leaflet.js')!.body.toString('utf8')).toContain('Leaflet');
    expect(resolveStaticAsset('/vendor/topojson-client.js')!.body.toString('utf8')).toContain('topojson');
    const countries = JSON.parse(resolveStaticAsset('/basemap/countries-110m.json')!.body.toString('utf8')) as {
      type: string;
      objects: Record<string, unknown>;
    };
    expect(countries.type).toBe('Topology');
    expect(Object.keys(countries.objects)).toContain('countries');
    const land = JSON.parse(resolveStaticAsset('/basemap/land-110m.json')!.body.toString('utf8')) as {
      objects: Record<string, unknown>;
    };
    expect(Object.keys(land.objects)).toContain('land');
  });

  it('caches file contents', () => {
    expect(resolveStaticAsset('/assets/app.js')!.body).toBe(resolveStaticAsset('/assets/app.js')!.body);
  });

  it('ignores a query string', () => {
    expect(resolveStaticAsset('/?key=abc')?.contentType).toMatch(/^text\/html/);
  });

  it.each([
    '',
    '/nope',
    '/assets/',
    '/assets/app.ts',
    '/../package.json',
    '/assets/../../package.json',
    '/vendor/leaflet/../../../package.json',
    '/vendor/leaflet/%2e%2e/%2e%2e/package.json',
    '/basemap/countries-10m.json',
    '/vendor/leaflet/images/marker-icon.png',
    '//etc/passwd',
    '/index.html/',
    'index.html',
    '/INDEX.HTML',
  ])('%j is not served', (path) => {
    expect(resolveStaticAsset(path)).toBeUndefined();
  });
});

describe('mapConfigJson', () => {
  it('gives null tiles when unset or blank', () => {
    expect(JSON.parse(mapConfigJson(undefined).toString('utf8'))).toEqual({ tiles: null });
    expect(JSON.parse(mapConfigJson('').toString('utf8'))).toEqual({ tiles: null });
    expect(JSON.parse(mapConfigJson('  ').toString('utf8'))).toEqual({ tiles: null });
  });

  it('passes a URL template through', () => {
    const url = 'http://tiles.local/{z}/{x}/{y}.png?a=1&b="2"';
    expect(JSON.parse(mapConfigJson(url).toString('utf8'))).toEqual({ tiles: url });
  });
});
