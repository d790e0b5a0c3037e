/*
 * Fleetline live map — plain browser script, no build step.
 *
 * Globals: L (Leaflet, /vendor/leaflet/leaflet.js) and topojson
 * (/vendor/topojson-client.js). Every request goes to the host that served the
 * page unless /map-config.json names a tile server.
 */
(function () {
  'use strict';

  var KEY_STORAGE = 'fleetline.apiKey';
  var MOVING_KMH = 2;
  var COLORS = { moving: '#1f9d3a', stopped: '#2563eb', offline: '#8a8f98' };
  var LAND = '#f3efe6';
  var COAST = '#9fb4c0';
  var BORDER = '#b9ab95';
  var RECONNECT_MIN_MS = 1000;
  var RECONNECT_MAX_MS = 30000;
  /** A connection that stayed up this long resets the reconnect backoff. */
  var STABLE_CONNECTION_MS = 10000;
  var MAX_FIND_RESULTS = 20;

  function $(id) { return document.getElementById(id); }

  var statusEl = $('status');
  var deviceCountEl = $('device-count');
  var onlineCountEl = $('online-count');
  var movingCountEl = $('moving-count');
  var findForm = $('find-form');
  var findInput = $('find-input');
  var findResults = $('find-results');
  var keyForm = $('key-form');
  var keyInput = $('key-input');
  var connBadge = $('conn-badge');

  function setStatus(text, state) {
    statusEl.textContent = text;
    statusEl.dataset.state = state || 'idle';
  }

  function setLive(live) {
    connBadge.textContent = live ? 'live' : 'offline';
    connBadge.dataset.live = String(live);
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function fetchJson(path) {
    return fetch(path, { credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    });
  }

  // ---------------------------------------------------------------- map

  var map = L.map('map', {
    preferCanvas: true,
    worldCopyJump: true,
    minZoom: 2,
    maxZoom: 18,
  }).setView([30, 10], 2);

  // Basemap below the tile pane (z 200): a configured tile layer covers it,
  // and if the tile server is unreachable the vector land still shows.
  map.createPane('basemap');
  map.getPane('basemap').style.zIndex = '150';
  map.getPane('basemap').style.pointerEvents = 'none';
  var basemapRenderer = L.canvas({ pane: 'basemap', padding: 0.5 });

  // One canvas for all vehicle markers: thousands of SVG nodes would be slow.
  var markerRenderer = L.canvas({ padding: 0.3, tolerance: 4 });
  var markerLayer = L.layerGroup().addTo(map);

  var tilesEnabled = false;

  function loadConfig() {
    return fetchJson('/map-config.json').then(function (cfg) {
      if (cfg && typeof cfg.tiles === 'string' && cfg.tiles.length > 0) {
        tilesEnabled = true;
        L.tileLayer(cfg.tiles, { maxZoom: 19 }).addTo(map);
      }
    }, function (err) {
      console.warn('map config unavailable, using offline basemap only', err);
    });
  }

  /**
   * world-atlas keeps rings that cross the antimeridian whole (Russia, Fiji,
   * Wrangel Island), jumping from +180 to -180. Drawn on a flat map such a
   * ring smears a band across the world, so make each ring continuous in
   * longitude (it may then reach past ±180). Rings that wrap the whole globe
   * (Antarctica) are left alone.
   */
  function unwrapRing(ring) {
    var out = [];
    var prev = null;
    var sum = 0;
    var min = Infinity;
    var max = -Infinity;
    for (var i = 0; i < ring.length; i++) {
      var lon = ring[i][0];
      if (prev !== null) {
        while (lon - prev > 180) lon -= 360;
        while (lon - prev < -180) lon += 360;
      }
      out.push([lon, ring[i][1]]);
      prev = lon;
      sum += lon;
      if (lon < min) min = lon;
      if (lon > max) max = lon;
    }
    if (max - min >= 359) return ring;
    var shift = 0;
    var mean = sum / out.length;
    while (mean + shift > 180) shift -= 360;
    while (mean + shift < -180) shift += 360;
    if (shift !== 0) for (var j = 0; j < out.length; j++) out[j][0] += shift;
    return out;
  }

  function unwrapGeometry(g) {
    if (!g) return g;
    if (g.type === 'Polygon') return { type: 'Polygon', coordinates: g.coordinates.map(unwrapRing) };
    if (g.type === 'MultiPolygon') {
      return { type: 'MultiPolygon', coordinates: g.coordinates.map(function (poly) { return poly.map(unwrapRing); }) };
    }
    if (g.type === 'GeometryCollection') return { type: 'GeometryCollection', geometries: g.geometries.map(unwrapGeometry) };
    return g;
  }

  function unwrapGeoJson(gj) {
    if (gj.type === 'FeatureCollection') {
      return { type: 'FeatureCollection', features: gj.features.map(unwrapGeoJson) };
    }
    if (gj.type === 'Feature') {
      return { type: 'Feature', id: gj.id, properties: gj.properties, geometry: unwrapGeometry(gj.geometry) };
    }
    return unwrapGeometry(gj);
  }

  /** Adds `geojson` three times (shifted by -360°, 0, +360°) so the basemap continues past the antimeridian. */
  function addWorldCopies(geojson, options) {
    [-360, 0, 360].forEach(function (offset) {
      L.geoJSON(geojson, L.extend({
        renderer: basemapRenderer,
        interactive: false,
        coordsToLatLng: function (c) { return L.latLng(c[1], c[0] + offset); },
      }, options, offset === 0 ? {} : { attribution: null })).addTo(map);
    });
  }

  function loadBasemap() {
    return Promise.all([
      fetchJson('/basemap/land-110m.json'),
      fetchJson('/basemap/countries-110m.json'),
    ]).then(function (topos) {
      var land = topos[0];
      var countries = topos[1];
      addWorldCopies(unwrapGeoJson(topojson.feature(land, land.objects.land)), {
        attribution: 'Basemap: Natural Earth',
        style: { color: COAST, weight: 0.8, fillColor: LAND, fillOpacity: 1 },
      });
      // Borders only (arcs shared by two countries), so coastlines are not drawn twice.
      addWorldCopies(topojson.mesh(countries, countries.objects.countries, function (a, b) { return a !== b; }), {
        style: { color: BORDER, weight: 0.7, fill: false },
      });
    }).catch(function (err) {
      console.warn('basemap unavailable', err);
    });
  }

  loadConfig();
  loadBasemap();

  // ------------------------------------------------------------ devices

  /** id -> { id, online, lastSeen, position, marker, state } */
  var devices = new Map();
  /** Updates received since the last animation frame, coalesced per id. */
  var pending = new Map();
  var flushScheduled = false;
  var fitted = false;

  function stateOf(d) {
    if (!d.online) return 'offline';
    var speed = d.position && typeof d.position.speed === 'number' ? d.position.speed : 0;
    return speed > MOVING_KMH ? 'moving' : 'stopped';
  }

  function validPosition(p) {
    return p !== null && typeof p === 'object' &&
      typeof p.lat === 'number' && typeof p.lon === 'number' &&
      isFinite(p.lat) && isFinite(p.lon) &&
      p.lat >= -90 && p.lat <= 90 && p.lon >= -180 && p.lon <= 180;
  }

  function formatTime(iso) {
    if (!iso) return 'never';
    var t = new Date(iso);
    if (isNaN(t.getTime())) return escapeHtml(iso);
    var ago = Math.round((Date.now() - t.getTime()) / 1000);
    var rel = ago < 0 ? '' :
      ago < 60 ? ago + ' s ago' :
      ago < 3600 ? Math.round(ago / 60) + ' min ago' :
      ago < 86400 ? Math.round(ago / 3600) + ' h ago' :
      Math.round(ago / 86400) + ' d ago';
    return escapeHtml(t.toLocaleString()) + (rel ? ' (' + rel + ')' : '');
  }

  function tooltipHtml(d) {
    var p = d.position || {};
    var speed = typeof p.speed === 'number' ? p.speed.toFixed(1) + ' km/h' : '–';
    var heading = typeof p.heading === 'number' ? ' · ' + Math.round(p.heading) + '°' : '';
    return '<div class="fleet-tip"><b>' + escapeHtml(d.id) + '</b><br>' +
      '<span class="state ' + d.state + '">' + d.state + '</span> · ' + speed + heading + '<br>' +
      'last seen ' + formatTime(d.lastSeen || p.time) + '</div>';
  }

  function enqueue(items) {
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (!item || typeof item.id !== 'string' || item.id === '') continue;
      var prev = pending.get(item.id);
      if (prev === undefined) {
        pending.set(item.id, item);
      } else {
        // Merge so that a later item without a position keeps the earlier one.
        var merged = Object.assign({}, prev);
        for (var k in item) {
          if (Object.prototype.hasOwnProperty.call(item, k) && item[k] !== null && item[k] !== undefined) merged[k] = item[k];
        }
        pending.set(item.id, merged);
      }
    }
    if (!flushScheduled && pending.size > 0) {
      flushScheduled = true;
      requestAnimationFrame(flush);
    }
  }

  function applyItem(id, item) {
    var d = devices.get(id);
    if (d === undefined) {
      d = { id: id, online: false, lastSeen: null, position: null, marker: null, state: null };
      devices.set(id, d);
    }
    if (typeof item.online === 'boolean') d.online = item.online;
    if (typeof item.lastSeen === 'string') d.lastSeen = item.lastSeen;
    if (validPosition(item.position)) d.position = item.position;
    if (d.position === null) return;

    var state = stateOf(d);
    var lat = d.position.lat;
    var lon = d.position.lon;
    if (d.marker === null) {
      d.state = state;
      d.marker = L.circleMarker([lat, lon], {
        renderer: markerRenderer,
        radius: 6,
        weight: 1.5,
        color: '#ffffff',
        fillColor: COLORS[state],
        fillOpacity: 0.95,
      });
      d.marker.bindTooltip(function () { return tooltipHtml(d); }, { direction: 'top', offset: [0, -6] });
      d.marker.addTo(markerLayer);
      return;
    }
    var ll = d.marker.getLatLng();
    if (ll.lat !== lat || ll.lng !== lon) d.marker.setLatLng([lat, lon]);
    if (d.state !== state) {
      d.state = state;
      d.marker.setStyle({ fillColor: COLORS[state] });
    }
    if (d.marker.isTooltipOpen()) d.marker.getTooltip().update();
  }

  function flush() {
    flushScheduled = false;
    pending.forEach(function (item, id) { applyItem(id, item); });
    pending.clear();
    updateCounts();
    if (!fitted) autoFit();
    if (findInput.value) renderFindResults();
  }

  /** How far to zoom in on vehicles: the 1:110m offline basemap has no detail past ~zoom 6. */
  function closeZoom() {
    return tilesEnabled ? 14 : 6;
  }

  function autoFit() {
    var bounds = L.latLngBounds([]);
    devices.forEach(function (d) { if (d.marker) bounds.extend(d.marker.getLatLng()); });
    if (!bounds.isValid()) return;
    fitted = true;
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: closeZoom() });
  }

  function updateCounts() {
    var online = 0;
    var moving = 0;
    devices.forEach(function (d) {
      if (d.online) online++;
      if (d.state === 'moving') moving++;
    });
    deviceCountEl.textContent = String(devices.size);
    onlineCountEl.textContent = String(online);
    movingCountEl.textContent = String(moving);
  }

  // --------------------------------------------------------------- find

  function findMatches(query) {
    var q = query.trim().toLowerCase();
    if (q === '') return [];
    var exact = [];
    var prefix = [];
    var contains = [];
    devices.forEach(function (d, id) {
      var lower = id.toLowerCase();
      if (lower === q) exact.push(id);
      else if (lower.indexOf(q) === 0) prefix.push(id);
      else if (lower.indexOf(q) > 0) contains.push(id);
    });
    prefix.sort();
    contains.sort();
    return exact.concat(prefix, contains).slice(0, MAX_FIND_RESULTS);
  }

  function renderFindResults() {
    var matches = findMatches(findInput.value);
    findResults.textContent = '';
    if (findInput.value.trim() === '') return;
    if (matches.length === 0) {
      var none = document.createElement('li');
      none.className = 'none';
      none.textContent = 'no matching device';
      findResults.appendChild(none);
      return;
    }
    matches.forEach(function (id) {
      var li = document.createElement('li');
      li.textContent = id;
      li.tabIndex = 0;
      li.dataset.id = id;
      findResults.appendChild(li);
    });
  }

  function goTo(id) {
    var d = devices.get(id);
    if (!d || !d.marker) {
      setStatus('device ' + id + ' has no position yet', 'warn');
      return;
    }
    map.setView(d.marker.getLatLng(), Math.max(map.getZoom(), closeZoom()));
    d.marker.openTooltip();
    d.marker.setRadius(11);
    setTimeout(function () { if (d.marker) d.marker.setRadius(6); }, 1500);
  }

  findInput.addEventListener('input', renderFindResults);
  findForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var first = findMatches(findInput.value)[0];
    if (first !== undefined) goTo(first);
    else renderFindResults();
  });
  findResults.addEventListener('click', function (ev) {
    var li = ev.target.closest('li[data-id]');
    if (li) goTo(li.dataset.id);
  });
  findResults.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    var li = ev.target.closest('li[data-id]');
    if (li) goTo(li.dataset.id);
  });

  // ---------------------------------------------------------- websocket

  var apiKey = null;
  var socket = null;
  var retryMs = RECONNECT_MIN_MS;
  var retryTimer = null;
  var helloAt = 0;

  function readStoredKey() {
    try { return localStorage.getItem(KEY_STORAGE); } catch (e) { return null; }
  }
  function storeKey(key) {
    try {
      if (key) localStorage.setItem(KEY_STORAGE, key);
      else localStorage.removeItem(KEY_STORAGE);
    } catch (e) { /* storage disabled: the key lives for this page only */ }
  }

  function showKeyForm(message) {
    keyForm.hidden = false;
    if (message) setStatus(message, 'error');
    keyInput.focus();
  }

  function connect() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (!apiKey) {
      showKeyForm();
      setStatus('API key required', 'warn');
      return;
    }
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var url = scheme + location.host + '/v1/live?key=' + encodeURIComponent(apiKey);
    setStatus('connecting…', 'warn');
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (err) {
      scheduleReconnect('cannot connect');
      return;
    }
    socket = ws;
    helloAt = 0;
    ws.onmessage = function (ev) {
      if (socket === ws) handleMessage(ws, ev.data);
    };
    ws.onclose = function (ev) {
      if (socket !== ws) return;
      socket = null;
      setLive(false);
      if (ev.code === 4401) {
        apiKey = null;
        storeKey(null);
        showKeyForm('invalid API key');
        return;
      }
      if (helloAt && Date.now() - helloAt >= STABLE_CONNECTION_MS) retryMs = RECONNECT_MIN_MS;
      scheduleReconnect('disconnected' + (ev.reason ? ' (' + ev.reason + ')' : ''));
    };
  }

  function scheduleReconnect(why) {
    var delay = Math.round(retryMs * (0.8 + Math.random() * 0.4));
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
    setStatus(why + ' — reconnecting in ' + Math.max(1, Math.round(delay / 1000)) + ' s', 'warn');
    retryTimer = setTimeout(connect, delay);
  }

  function handleMessage(ws, data) {
    if (typeof data !== 'string') return;
    var msg;
    try { msg = JSON.parse(data); } catch (e) { return; }
    if (!msg || typeof msg !== 'object') return;
    switch (msg.type) {
      case 'hello':
        helloAt = Date.now();
        setLive(true);
        setStatus('live · tenant ' + (msg.tenantId || '?'), 'ok');
        ws.send(JSON.stringify({ type: 'subscribe', fleet: true }));
        break;
      case 'positions':
        if (Array.isArray(msg.items)) enqueue(msg.items);
        break;
      case 'error':
        setStatus('server error: ' + (msg.message || 'unknown'), 'error');
        break;
      default:
        break;
    }
  }

  // Reconnect straight away when the network comes back.
  window.addEventListener('online', function () {
    if (retryTimer !== null) connect();
  });

  keyForm.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var key = keyInput.value.trim();
    if (!key) return;
    apiKey = key;
    storeKey(key);
    keyInput.value = '';
    keyForm.hidden = true;
    // Drop a stale ?key= so a reload uses the key just entered.
    var params = new URLSearchParams(location.search);
    if (params.has('key')) {
      params.delete('key');
      var qs = params.toString();
      history.replaceState(null, '', location.pathname + (qs ? '?' + qs : '') + location.hash);
    }
    retryMs = RECONNECT_MIN_MS;
    connect();
  });

  var urlKey = new URLSearchParams(location.search).get('key');
  if (urlKey) {
    apiKey = urlKey;
    storeKey(urlKey);
  } else {
    apiKey = readStoredKey();
  }
  connect();

  // ------------------------------------------------------- test surface

  window.fleetMap = {
    markerCount: function () {
      var n = 0;
      devices.forEach(function (d) { if (d.marker) n++; });
      return n;
    },
    markerIds: function () {
      var ids = [];
      devices.forEach(function (d, id) { if (d.marker) ids.push(id); });
      return ids.sort();
    },
    markerLatLng: function (id) {
      var d = devices.get(id);
      if (!d || !d.marker) return null;
      var ll = d.marker.getLatLng();
      return [ll.lat, ll.lng];
    },
    status: function () { return statusEl.textContent; },
    /** The Leaflet map, for debugging. */
    map: map,
  };
})();
