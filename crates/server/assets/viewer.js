// The sitewatch review page. Everything is drawn in the site grid's pixel coordinates
// (L.CRS.Simple, one map unit = one site-grid pixel; Leaflet's lat = -row, lng = col): the
// imagery is rendered on that grid by the server and the outlines come from the API with
// ?crs=grid, so the two line up exactly whatever the grid's projection.
'use strict';

const TILE = 256;
const TOKEN_KEY = 'sitewatch-token';

const $ = (id) => document.getElementById(id);
const state = {
  site: null, // the site feature (grid frame)
  scenes: [], // scene features, by acquisition time
  changes: [], // change features (grid frame)
  buildings: [], // building features (grid frame)
  reviews: [], // every review of the site
  readOnly: true,
  drawing: null, // { vertices: [[col,row]...], building, line } while an outline is drawn
};

// ---- the API ---------------------------------------------------------------------------

async function failure(response) {
  try {
    return (await response.json()).error || response.statusText;
  } catch (_) {
    return response.statusText;
  }
}

async function getJson(path) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${await failure(response)}`);
  return response.json();
}

// Asks once for the write token (kept in sessionStorage for this tab).
function askToken() {
  const dialog = $('token-dialog');
  $('token-input').value = '';
  return new Promise((resolve, reject) => {
    dialog.addEventListener('close', () => {
      const token = $('token-input').value.trim();
      if (dialog.returnValue === 'save' && token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        resolve(token);
      } else {
        reject(new Error('no token given: nothing was written'));
      }
    }, { once: true });
    dialog.showModal();
  });
}

// POSTs JSON with the bearer token; a refused token is forgotten so the next write asks anew.
async function postJson(path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY) || await askToken();
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (response.status === 401 || response.status === 403) sessionStorage.removeItem(TOKEN_KEY);
  if (!response.ok) throw new Error(await failure(response));
  return response.json();
}

function siteApi(rest) {
  return `/api/sites/${encodeURIComponent(state.site.properties.name)}${rest}`;
}

function say(text, isError) {
  $('status').textContent = text;
  $('status').classList.toggle('error', Boolean(isError));
}

// ---- the map ---------------------------------------------------------------------------

// No fade: a tile half faded in would blend two dates.
const map = L.map('map', { crs: L.CRS.Simple, minZoom: -4, maxZoom: 3, zoomSnap: 1, fadeAnimation: false });
map.attributionControl.setPrefix('<a href="/assets/leaflet/LICENSE">Leaflet</a>');
map.createPane('after').style.zIndex = 250; // above the first date's tiles, below outlines

const toLatLng = ([col, row]) => L.latLng(-row, col);
const toGrid = (latlng) => [latlng.lng, -latlng.lat];

// A scene's imagery as tiles, each a window (bbox) of the site grid.
const SceneTiles = L.GridLayer.extend({
  createTile(coords, done) {
    const tile = document.createElement('img');
    const span = TILE / Math.pow(2, coords.z);
    const [c0, r0] = [coords.x * span, coords.y * span];
    tile.alt = '';
    tile.onload = () => done(null, tile);
    tile.onerror = () => done(new Error(`tile ${c0},${r0} of scene ${this.options.scene}`), tile);
    tile.src = `/api/scenes/${this.options.scene}/image.png` +
      `?bbox=${c0},${r0},${c0 + span},${r0 + span}&size=${TILE}`;
    return tile;
  },
});

function sceneLayer(scene, pane) {
  const { width, height } = state.site.properties.grid;
  return new SceneTiles({
    scene: scene.id,
    pane,
    tileSize: TILE,
    minZoom: map.getMinZoom(), // GridLayer's default, 0, would hide the zoomed-out views
    bounds: L.latLngBounds(toLatLng([0, height]), toLatLng([width, 0])),
    attribution: scene.properties.credit,
  });
}

const outlines = {
  site: L.layerGroup().addTo(map),
  changes: L.layerGroup().addTo(map),
  buildings: L.layerGroup().addTo(map),
  footprints: L.layerGroup().addTo(map),
};
L.control.layers(null, {
  'AOI and ring': outlines.site,
  'changes': outlines.changes,
  'buildings': outlines.buildings,
  'drawn outlines': outlines.footprints,
}, { collapsed: false }).addTo(map);
const imagery = { before: null, after: null };

function gridGeoJson(data, options) {
  return L.geoJSON(data, { coordsToLatLng: (c) => toLatLng(c), ...options });
}

// ---- dates and the swipe ---------------------------------------------------------------

const dateOf = (scene) => scene.properties.acquired.slice(0, 10);

function shownScenes() {
  const before = state.scenes[Number($('date').value)];
  const after = $('swipe-on').checked ? state.scenes[Number($('compare').value)] : null;
  return { before, after };
}

// Layers replaced but still shown until their successor has loaded (no dark flash between
// dates).
const stale = { before: [], after: [] };

function setImagery(side, scene, pane) {
  const current = imagery[side];
  if (current && scene && current.options.scene === scene.id) return;
  if (current) stale[side].push(current);
  imagery[side] = scene ? sceneLayer(scene, pane).addTo(map) : null;
  const dropStale = () => {
    stale[side].forEach((layer) => map.removeLayer(layer));
    stale[side] = [];
  };
  if (imagery[side]) imagery[side].once('load', dropStale);
  else dropStale();
}

function showImagery() {
  const { before, after } = shownScenes();
  setImagery('before', before, 'tilePane');
  setImagery('after', after, 'after');
  $('date-label').textContent = before ? dateOf(before) : '-';
  $('swipe').hidden = $('swipe-divider').hidden = !after;
  clipAfter();
  showChanges();
  markTimeline();
}

// The second date shows right of the divider only: its pane is clipped to that side.
function clipAfter() {
  const pane = map.getPane('after');
  if (!imagery.after) {
    pane.style.clip = '';
    return;
  }
  const size = map.getSize();
  const x = size.x * Number($('swipe').value) / 100;
  const nw = map.containerPointToLayerPoint([0, 0]);
  const se = map.containerPointToLayerPoint(size);
  const cut = map.containerPointToLayerPoint([x, 0]).x;
  pane.style.clip = `rect(${nw.y}px, ${se.x}px, ${se.y}px, ${cut}px)`;
  $('swipe-divider').style.left = `${x}px`;
}

// ---- detections: changes and buildings -------------------------------------------------

const fmtArea = (p) => {
  const interval = p.area_m2_interval ? ` (${Math.round(p.area_m2_interval[0])}–${Math.round(p.area_m2_interval[1])})` : '';
  return p.area_m2 == null ? 'area unknown' : `${Math.round(p.area_m2)} m²${interval}`;
};

// Reviews name their target as {"change": 12} or {"building": "B0001"}.
function reviewsOf(kind, id) {
  return state.reviews.filter((r) => kind in r.target && String(r.target[kind]) === String(id));
}

function lastVerdict(kind, id) {
  const verdicts = reviewsOf(kind, id).filter((r) => r.verdict);
  return verdicts.length ? verdicts[verdicts.length - 1].verdict : null;
}

// The changes found between the two shown dates, or, with one date shown, all those found
// up to it.
function changesShown() {
  const { before, after } = shownScenes();
  if (!before) return [];
  const order = new Map(state.scenes.map((s, i) => [s.id, i]));
  const [a, b] = [order.get(before.id), order.get((after || before).id)];
  const [from, to] = after ? [Math.min(a, b), Math.max(a, b)] : [0, a];
  return state.changes.filter((f) => {
    const [s, e] = [order.get(f.properties.before_scene), order.get(f.properties.after_scene)];
    return s >= from && e <= to;
  });
}

const detectionLayers = new Map(); // "change:12" -> Leaflet layer

function showChanges() {
  outlines.changes.clearLayers();
  const shown = changesShown();
  gridGeoJson({ type: 'FeatureCollection', features: shown }, {
    style: (f) => ({ color: verdictColour('change', f.id, '#ff7800'), weight: 2, className: 'change' }),
    onEachFeature: (f, layer) => bindDetection('change', f, layer),
  }).addTo(outlines.changes);
  listDetections(shown);
}

function showBuildings() {
  outlines.buildings.clearLayers();
  gridGeoJson({ type: 'FeatureCollection', features: state.buildings }, {
    style: (f) => ({ color: verdictColour('building', f.id, '#3388ff'), weight: 2, fill: false, className: 'building' }),
    onEachFeature: (f, layer) => bindDetection('building', f, layer),
  }).addTo(outlines.buildings);
}

function verdictColour(kind, id, colour) {
  const verdict = lastVerdict(kind, id);
  return verdict === 'accepted' ? '#1bbf4a' : verdict === 'rejected' ? '#888' : colour;
}

function bindDetection(kind, feature, layer) {
  detectionLayers.set(`${kind}:${feature.id}`, layer);
  layer.bindPopup(() => detectionPopup(kind, feature), { maxWidth: 360, minWidth: 260 });
}

function listDetections(changes) {
  const list = $('detections');
  list.replaceChildren();
  const items = [
    ...changes.map((f) => ['change', f, `change ${f.id}: ${fmtArea(f.properties)}, ${f.properties.before} → ${f.properties.after}`]),
    ...state.buildings.map((f) => ['building', f, `building ${f.id}: ${fmtArea(f.properties)}, since ${f.properties.first_seen}`]),
  ];
  for (const [kind, feature, text] of items) {
    const li = document.createElement('li');
    li.dataset.detection = `${kind}:${feature.id}`;
    li.textContent = text;
    const verdict = lastVerdict(kind, feature.id);
    if (verdict) {
      const mark = document.createElement('span');
      mark.className = `verdict-${verdict}`;
      mark.textContent = ` ${verdict}`;
      li.append(mark);
    }
    li.addEventListener('click', () => openDetection(kind, feature.id));
    list.append(li);
  }
  const { before, after } = shownScenes();
  const span = !before ? '' : after
    ? ` between ${[dateOf(before), dateOf(after)].sort().join(' and ')}`
    : ` up to ${dateOf(before)}`;
  $('detections-note').textContent = `(${changes.length} changes${span}; ${state.buildings.length} buildings)`;
}

function openDetection(kind, id) {
  const layer = detectionLayers.get(`${kind}:${id}`);
  if (!layer) return;
  map.fitBounds(layer.getBounds(), { maxZoom: 1, padding: [40, 40], animate: false });
  layer.openPopup();
}

// A popup: the facts, the review history, and (when writable) accept / reject / comment.
function detectionPopup(kind, feature) {
  const p = feature.properties;
  const box = document.createElement('div');
  box.className = 'popup';
  const rows = kind === 'change'
    ? [['area', fmtArea(p)], ['between', `${p.before} and ${p.after}`], ['what', p.direction],
      ['found by', p.method],
      // The union's map is a score (each method's threshold at 0.5), not a probability.
      [p.method === 'union' ? 'score' : 'probability', p.mean_prob.toFixed(2)]]
    : [['area', fmtArea(p)], ['size', `${p.length_m.value.toFixed(1)} × ${p.width_m.value.toFixed(1)} m`],
      ['first seen', p.first_seen || '-'], ['last seen', p.last_seen || '-'],
      ['standing', p.standing ? 'yes' : 'no'], ['MGRS', p.mgrs]];
  const table = document.createElement('table');
  for (const [k, v] of rows) {
    const tr = table.insertRow();
    tr.insertCell().textContent = k;
    tr.insertCell().textContent = v;
  }
  const title = document.createElement('h3');
  title.textContent = `${kind} ${feature.id}`;
  box.append(title, table);
  if (kind === 'building' && Array.isArray(p.history) && p.history.length) {
    const history = document.createElement('ol');
    history.className = 'reviews';
    for (const step of p.history) {
      const li = document.createElement('li');
      li.textContent = `${step.kind} between ${step.before} and ${step.after}`;
      history.append(li);
    }
    box.append(caption('history'), history);
  }
  const reviews = document.createElement('ol');
  reviews.className = 'reviews';
  for (const r of reviewsOf(kind, feature.id)) {
    const li = document.createElement('li');
    li.textContent = `${r.verdict || 'comment'} by ${r.reviewer}, ${r.at.slice(0, 16).replace('T', ' ')}` +
      (r.comment ? `: ${r.comment}` : '');
    if (r.verdict) li.className = `verdict-${r.verdict}`;
    reviews.append(li);
  }
  if (!reviews.children.length) reviews.append(Object.assign(document.createElement('li'), { textContent: 'not reviewed yet' }));
  box.append(caption('reviews'), reviews);
  if (!state.readOnly) box.append(reviewControls(kind, feature));
  return box;
}

function caption(text) {
  return Object.assign(document.createElement('div'), { className: 'caption', textContent: text });
}

function reviewControls(kind, feature) {
  const controls = document.createElement('div');
  controls.className = 'write';
  const comment = document.createElement('textarea');
  comment.rows = 2;
  comment.placeholder = 'comment (optional with a verdict)';
  controls.append(comment);
  const button = (label, verdict) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = `review-${verdict || 'comment'}`;
    b.addEventListener('click', () => review(kind, feature.id, verdict, comment.value));
    controls.append(b, ' ');
  };
  button('Accept', 'accepted');
  button('Reject', 'rejected');
  button('Comment', null);
  if (kind === 'building') {
    const correct = document.createElement('button');
    correct.type = 'button';
    correct.textContent = 'Correct outline';
    correct.addEventListener('click', () => startDrawing(feature.id));
    controls.append(correct);
  }
  return controls;
}

async function review(kind, id, verdict, comment) {
  try {
    const body = { target: { [kind]: id }, verdict, comment: comment.trim() || null };
    const stored = await postJson(siteApi('/reviews'), body);
    state.reviews.push(stored);
    say(`${kind} ${id}: ${verdict || 'comment'} stored (by ${stored.reviewer})`);
    map.closePopup();
    showChanges();
    showBuildings();
  } catch (error) {
    say(`${kind} ${id}: ${error.message}`, true);
  }
}

// ---- drawing an outline ----------------------------------------------------------------

function startDrawing(building) {
  map.closePopup();
  state.drawing = { vertices: [], building, line: L.polyline([], { color: '#ff00c8', dashArray: '4 4' }).addTo(map) };
  document.body.classList.add('drawing');
  $('draw').hidden = true;
  $('draw-finish').hidden = $('draw-cancel').hidden = false;
  $('draw-finish').disabled = true;
  $('mode').textContent = building ? `correcting building ${building}: click the corners` : 'drawing a building outline: click the corners';
}

function stopDrawing() {
  if (state.drawing) map.removeLayer(state.drawing.line);
  state.drawing = null;
  document.body.classList.remove('drawing');
  $('draw').hidden = false;
  $('draw-finish').hidden = $('draw-cancel').hidden = true;
  $('mode').textContent = '';
}

map.on('click', (event) => {
  if (!state.drawing) return;
  state.drawing.vertices.push(toGrid(event.latlng));
  state.drawing.line.setLatLngs(state.drawing.vertices.map(toLatLng));
  $('draw-finish').disabled = state.drawing.vertices.length < 3;
});

async function finishDrawing() {
  const { vertices, building } = state.drawing;
  const ring = [...vertices, vertices[0]];
  try {
    await postJson(siteApi('/footprints'), {
      crs: 'grid',
      replaces: building || null,
      geometry: { type: 'Polygon', coordinates: [ring] },
    });
    say(`outline of ${vertices.length} corners stored${building ? ` for building ${building}` : ''}`);
    stopDrawing();
    await loadFootprints();
  } catch (error) {
    say(`the outline was not stored: ${error.message}`, true);
  }
}

async function loadFootprints() {
  const data = await getJson(siteApi('/footprints?crs=grid'));
  outlines.footprints.clearLayers();
  gridGeoJson(data, {
    style: { color: '#ff00c8', weight: 2, fill: false, className: 'footprint' },
    onEachFeature: (f, layer) => layer.bindPopup(() => {
      const p = f.properties;
      const who = p.origin.kind === 'drawn' ? `drawn by ${p.origin.by}` : 'imported';
      return `outline ${f.id}${p.replaces ? ` correcting building ${p.replaces}` : ''}<br>` +
        `${who}, ${String(p.created).slice(0, 16).replace('T', ' ')}`;
    }),
  }).addTo(outlines.footprints);
}

// ---- the timeline ----------------------------------------------------------------------

function sourceNode(source) {
  if (/^https?:\/\//.test(source)) {
    const a = document.createElement('a');
    a.href = source;
    a.textContent = source;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }
  return document.createTextNode(source);
}

function showTimeline(entries) {
  const list = $('timeline');
  list.replaceChildren();
  for (const entry of entries) {
    const li = document.createElement('li');
    li.dataset.origin = entry.origin;
    li.dataset.id = entry.id;
    const when = document.createElement('strong');
    when.textContent = String(entry.date).slice(0, 10);
    li.append(when, ` ${entry.kind}`, entry.summary ? `: ${entry.summary}` : '', document.createElement('br'));
    const source = document.createElement('small');
    source.append('source: ', sourceNode(entry.source));
    li.append(source);
    if (entry.origin === 'scene') {
      li.classList.add('scene');
      li.addEventListener('click', (event) => {
        if (event.target.tagName === 'A') return;
        const index = state.scenes.findIndex((s) => s.id === entry.id);
        if (index >= 0) {
          $('date').value = index;
          showImagery();
        }
      });
    }
    list.append(li);
  }
  markTimeline();
}

function markTimeline() {
  const shown = Object.values(shownScenes()).filter(Boolean).map((s) => String(s.id));
  for (const li of $('timeline').children) {
    li.classList.toggle('shown', li.dataset.origin === 'scene' && shown.includes(li.dataset.id));
  }
}

// ---- loading a site --------------------------------------------------------------------

async function loadSite(name) {
  say(`loading ${name}…`);
  const api = `/api/sites/${encodeURIComponent(name)}`;
  const [site, scenes, timeline, changes, buildings, reviews] = await Promise.all([
    getJson(`${api}?crs=grid`),
    getJson(`${api}/scenes?crs=grid`),
    getJson(`${api}/timeline`),
    getJson(`${api}/changes?crs=grid`),
    getJson(`${api}/buildings?crs=grid`),
    getJson(`${api}/reviews`),
  ]);
  state.site = site;
  state.scenes = scenes.features.sort((a, b) => a.properties.acquired.localeCompare(b.properties.acquired));
  state.changes = changes.features;
  state.buildings = buildings.features;
  state.reviews = reviews;
  location.hash = `site=${encodeURIComponent(site.properties.name)}`;

  outlines.site.clearLayers();
  gridGeoJson({ type: 'Feature', geometry: site.properties.ring }, {
    style: { color: '#ffd400', weight: 1.5, dashArray: '6 6', fill: false, interactive: false },
  }).addTo(outlines.site);
  gridGeoJson(site, { style: { color: '#ffd400', weight: 2.5, fill: false, interactive: false } }).addTo(outlines.site);

  const last = Math.max(state.scenes.length - 1, 0);
  $('date').max = last;
  $('date').value = 0;
  $('compare').replaceChildren(...state.scenes.map((s, i) => new Option(`${dateOf(s)} ${s.properties.sensor}`, i)));
  $('compare').value = last;
  const { width, height } = site.properties.grid;
  map.fitBounds(L.latLngBounds(toLatLng([0, height]), toLatLng([width, 0])));
  showBuildings();
  showImagery();
  showTimeline(timeline);
  await loadFootprints();
  say(`${site.properties.name}: ${state.scenes.length} scenes, grid ${width} × ${height} px at ` +
    `${site.properties.grid.gsd_m} m (${site.properties.grid.crs})`);
}

async function start() {
  const server = await getJson('/api/server');
  state.readOnly = server.read_only;
  document.body.classList.toggle('read-only', state.readOnly);
  $('mode').textContent = state.readOnly ? 'read-only server' : '';
  const sites = await getJson('/api/sites');
  const names = sites.features.map((f) => f.properties.name);
  $('site').replaceChildren(...names.map((n) => new Option(n, n)));
  if (!names.length) {
    say('the catalog has no sites yet');
    return;
  }
  const wanted = decodeURIComponent((location.hash.match(/site=([^&]+)/) || [])[1] || '');
  $('site').value = names.includes(wanted) ? wanted : names[0];
  await loadSite($('site').value);
}

$('site').addEventListener('change', () => loadSite($('site').value).catch((e) => say(e.message, true)));
$('date').addEventListener('input', showImagery);
$('compare').addEventListener('change', showImagery);
$('swipe-on').addEventListener('change', () => {
  $('compare').disabled = !$('swipe-on').checked;
  showImagery();
});
$('swipe').addEventListener('input', clipAfter);
map.on('move zoom resize', clipAfter);
$('draw').addEventListener('click', () => startDrawing(null));
$('draw-finish').addEventListener('click', finishDrawing);
$('draw-cancel').addEventListener('click', stopDrawing);
document.addEventListener('keydown', (event) => { if (event.key === 'Escape' && state.drawing) stopDrawing(); });

window.viewer = { map, state };
start().catch((error) => say(error.message, true));
