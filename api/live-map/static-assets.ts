/**
 * Static assets of the live map page (served at `/`).
 *
 * Everything the page needs is served by the platform itself — Leaflet, the
 * topojson-client browser build and the world-atlas basemap come from
 * node_modules — so the page works on machines with no internet access.
 *
 * Routing is a fixed table: a URL path is looked up verbatim (a query string
 * is ignored), never joined onto a directory, so path traversal is impossible.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

const require = createRequire(import.meta.url);

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

interface Route {
  /** Resolves the absolute file path; called once, on first use. */
  readonly file: () => string;
  readonly contentType: string;
}

const ownFile = (name: string) => (): string => fileURLToPath(new URL(`./public/${name}`, import.meta.url));
const packageFile = (specifier: string) => (): string => require.resolve(specifier);

const pageRoute: Route = { file: ownFile('index.html'), contentType: HTML };

const ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['/', pageRoute],
  ['/index.html', pageRoute],
  ['/assets/app.js', { file: ownFile('app.js'), contentType: JS }],
  ['/assets/style.css', { file: ownFile('style.css'), contentType: CSS }],
  ['/vendor/leaflet/leaflet.js', { file: packageFile('leaflet/dist/leaflet.js'), contentType: JS }],
  ['/vendor/leaflet/leaflet.css', { file: packageFile('leaflet/dist/leaflet.css'), contentType: CSS }],
  ['/vendor/topojson-client.js', { file: packageFile('topojson-client/dist/topojson-client.min.js'), contentType: JS }],
  ['/basemap/countries-110m.json', { file: packageFile('world-atlas/countries-110m.json'), contentType: JSON_TYPE }],
  ['/basemap/land-110m.json', { file: packageFile('world-atlas/land-110m.json'), contentType: JSON_TYPE }],
]);

/** Keyed by Route so that `/` and `/index.html` share one cached buffer. */
const cache = new Map<Route, StaticAsset>();

/** The URL paths served by {@link resolveStaticAsset}. */
export const STATIC_ASSET_PATHS: readonly string[] = [...ROUTES.keys()];

/**
 * Returns the asset for a request path (`/assets/app.js`, optionally with a
 * `?query`), or undefined when the path is not one of the fixed routes.
 * Files are read on first use and then served from memory.
 */
export function resolveStaticAsset(urlPath: string): StaticAsset | undefined {
  const q = urlPath.indexOf('?');
  const path = q === -1 ? urlPath : urlPath.slice(0, q);
  const route = ROUTES.get(path);
  if (route === undefined) return undefined;
  let asset = cache.get(route);
  if (asset === undefined) {
    asset = { body: readFileSync(route.file()), contentType: route.contentType };
    cache.set(route, asset);
  }
  return asset;
}

/** Content type of `/map-config.json`. */
export const MAP_CONFIG_CONTENT_TYPE = JSON_TYPE;

/**
 * Body of `/map-config.json`: `{"tiles": <url template or null>}`.
 * `tilesUrl` is an `L.tileLayer` template such as
 * `http://tiles.local/{z}/{x}/{y}.png` (the server passes FLEET_MAP_TILES);
 * unset or blank means "no tile server" and the page draws its offline basemap.
 */
export function mapConfigJson(tilesUrl: string | undefined): Buffer {
  const tiles = tilesUrl?.trim();
  return Buffer.from(JSON.stringify({ tiles: tiles ? tiles : null }));
}
