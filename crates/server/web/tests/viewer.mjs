// Drives the review page in headless Chromium, as an analyst would: waits for the imagery
// tiles, moves the date slider, swipes between two dates, accepts the first change (entering
// the token when asked), then checks that a read-only server shows no write controls.
// Run by crates/server/tests/browser.rs, which serves the fixture and checks the catalog.
//
// Environment: VIEWER_URL, VIEWER_READ_ONLY_URL, VIEWER_TOKEN, VIEWER_ARTIFACTS (folder for
// screenshots), VIEWER_CHROMIUM (the browser binary).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const url = need('VIEWER_URL');
const readOnlyUrl = need('VIEWER_READ_ONLY_URL');
const token = need('VIEWER_TOKEN');
const artifacts = need('VIEWER_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.VIEWER_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];
let current = null; // the page being driven, for a screenshot when a step fails

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function openPage(address) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  // The page must work offline: every request stays on the server that served it.
  page.on('request', (r) => { if (!r.url().startsWith(address)) problems.push(`off-site request: ${r.url()}`); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} for ${r.url()}`); });
  current = page;
  await page.goto(address);
  return page;
}

// Every tile of the visible imagery panes has loaded and decoded.
async function tilesLoaded(page, pane) {
  await page.waitForFunction((paneClass) => {
    const tiles = [...document.querySelectorAll(`${paneClass} img.leaflet-tile`)];
    return tiles.length > 0 && tiles.every((t) => t.classList.contains('leaflet-tile-loaded') && t.naturalWidth > 0);
  }, pane, { timeout: 30_000 });
  return page.$$eval(`${pane} img.leaflet-tile-loaded`, (tiles) => tiles.map((t) => t.src));
}

const shot = (page, name) => page.screenshot({ path: join(artifacts, `${name}.png`) });

try {
  const page = await openPage(url);
  await page.waitForSelector('#detections li');
  const first = await tilesLoaded(page, '.leaflet-tile-pane');
  check(first.every((src) => src.includes('/api/scenes/1/image.png?bbox=')), `tiles of scene 1: ${first}`);
  await shot(page, '1-loaded');

  // The date slider: one step right shows the second date.
  const firstDate = await page.textContent('#date-label');
  await page.focus('#date');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('.leaflet-tile-pane img.leaflet-tile')?.src.includes('/scenes/2/'));
  await tilesLoaded(page, '.leaflet-tile-pane');
  const secondDate = await page.textContent('#date-label');
  check(secondDate !== firstDate, `the date slider did not change the date (${firstDate})`);
  await shot(page, '2-date');

  // The swipe: the last date right of the divider, moved to 30 % of the map's width.
  await page.check('#swipe-on');
  await tilesLoaded(page, '.leaflet-after-pane');
  await page.focus('#swipe');
  for (let i = 0; i < 20; i += 1) await page.keyboard.press('ArrowLeft');
  const swipe = await page.evaluate(() => ({
    value: document.querySelector('#swipe').value,
    clip: document.querySelector('.leaflet-after-pane').style.clip,
    divider: document.querySelector('#swipe-divider').style.left,
  }));
  check(swipe.value === '30' && swipe.clip.startsWith('rect(') && swipe.divider.endsWith('px'),
    `the swipe did not move: ${JSON.stringify(swipe)}`);
  await shot(page, '3-swipe');

  // Accept the first change between the two dates: the page asks for the token once.
  await page.waitForSelector('#detections li[data-detection^="change:"]');
  const item = page.locator('#detections li[data-detection^="change:"]').first();
  const detection = await item.getAttribute('data-detection');
  await item.click();
  await page.waitForSelector('.leaflet-popup');
  const popup = await page.locator('.leaflet-popup').textContent();
  check(popup.includes('found by') && popup.includes('planted truth') && popup.includes('probability'),
    `the change's popup does not say which method found it: ${popup}`);
  await page.locator('.leaflet-popup button.review-accepted').click();
  await page.fill('#token-input', token);
  await page.click('#token-save');
  await page.waitForFunction(() => /accepted stored/.test(document.querySelector('#status').textContent));
  await page.waitForSelector(`#detections li[data-detection="${detection}"] .verdict-accepted`);
  check(await page.evaluate(() => sessionStorage.getItem('sitewatch-token')) === token, 'the token was not kept');
  await shot(page, '4-accepted');
  console.log(`reviewed ${detection}`);

  // Draw a building outline: four corners around the map's centre, then Finish.
  await page.click('#draw');
  const box = await page.locator('#map').boundingBox();
  const [cx, cy] = [box.x + box.width / 2, box.y + box.height / 2];
  for (const [dx, dy] of [[-40, -30], [40, -30], [40, 30], [-40, 30]]) await page.mouse.click(cx + dx, cy + dy);
  await page.click('#draw-finish');
  await page.waitForFunction(() => /outline of 4 corners stored/.test(document.querySelector('#status').textContent));
  await page.waitForSelector('path.footprint');
  await shot(page, '5-drawn');
  console.log('drew an outline');

  // A read-only server: the page shows no write controls.
  const readOnly = await openPage(readOnlyUrl);
  await readOnly.waitForSelector('#detections li');
  await tilesLoaded(readOnly, '.leaflet-tile-pane');
  check(!(await readOnly.isVisible('#draw')), 'the draw button shows on a read-only server');
  await readOnly.locator('#detections li').first().click();
  await readOnly.waitForSelector('.leaflet-popup');
  await tilesLoaded(readOnly, '.leaflet-tile-pane');
  check(await readOnly.locator('.leaflet-popup button.review-accepted').count() === 0,
    'review buttons show on a read-only server');
  await shot(readOnly, '6-read-only');
} catch (error) {
  problems.push(error.stack || String(error));
  if (current) {
    await shot(current, 'failure').catch(() => {});
    const seen = await current.evaluate(() => ({
      status: document.querySelector('#status').textContent,
      tiles: [...document.querySelectorAll('img.leaflet-tile')].map((t) => `${t.className} ${t.src}`),
    })).catch((e) => String(e));
    problems.push(`page state: ${JSON.stringify(seen, null, 1)}`);
  }
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
