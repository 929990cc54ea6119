'use strict';
// The apmatrix dashboard: polls the dashboard service once a second with the API key kept in this tab's sessionStorage.
(() => {
  const KEY = 'apmatrix-api-key';
  const POLL_MS = 1000;
  const PAGE = 50;
  const SIZE = 256;
  const $ = id => document.getElementById(id);

  // Fixed states' colours; an mdev's two states take a hue of their own (dim: assigned, bright: in its guest's APCB).
  const FIXED = {
    'not-configured': [32, 33, 38],
    'default-driver': [96, 96, 104],
    'no-device': [150, 118, 36],
    'free': [210, 210, 210],
  };
  const DESCRIBE = {
    'not-configured': () => 'not in the host\'s AP configuration',
    'default-driver': () => 'held by the host\'s default driver (apmask/aqmask)',
    'no-device': () => 'vfio_ap\'s, no queue device yet (its probe is to come)',
    'free': () => 'free in vfio_ap (bound, in no mdev)',
    'assigned': m => `assigned to mdev ${m.name}` + (m.guest ? `, not (yet) in guest ${m.guest}'s APCB` : ', no guest attached'),
    'in-guest-apcb': m => `in guest ${m.guest}'s APCB (mdev ${m.name})`,
  };
  // A state this page does not know (a newer service), or an mdev's state without its mdev: magenta, named as it came.
  const UNKNOWN = [128, 0, 128];
  const colourOf = state => Object.hasOwn(FIXED, state) ? FIXED[state] : UNKNOWN;
  const describeState = (state, mdev) =>
    Object.hasOwn(DESCRIBE, state) && (mdev || Object.hasOwn(FIXED, state)) ? DESCRIBE[state](mdev) : `state ${state}`;

  let host = null;
  let after = null;
  let next = null;
  let timer = null;
  let polling = false;
  let again = false;
  let picture = null;
  let pinned = null;
  const updateCounts = new Map();

  class KeyRefused extends Error {}

  function readFragment() {
    // The key may come as #key=... (never sent to a server); it moves to sessionStorage and leaves the address bar.
    const params = new URLSearchParams(location.hash.slice(1));
    const key = params.get('key');
    if (key) sessionStorage.setItem(KEY, key);
    params.delete('key');
    host = params.get('host');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }

  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: 'ApiKey ' + sessionStorage.getItem(KEY) }, cache: 'no-store' });
    if (response.status === 401 || response.status === 403) throw new KeyRefused(`the key was refused (${response.status}): the dashboard takes a viewer's key, not an operator's`);
    if (!response.ok) {
      let detail = `${response.status}`;
      try { detail = (await response.json()).detail || detail; } catch { /* not a problem body */ }
      const error = new Error(detail);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function status(text, error) {
    $('status').textContent = text;
    $('status').classList.toggle('error', !!error);
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text ?? '-';
    if (className) td.className = className;
    return td;
  }

  async function loadFleet() {
    const page = await get(`hosts?limit=${PAGE}` + (after ? `&after=${encodeURIComponent(after)}` : ''));
    next = page.next;
    const body = $('hosts').tBodies[0];
    body.replaceChildren();
    for (const h of page.hosts) {
      const row = body.insertRow();
      row.dataset.host = h.host;
      row.classList.toggle('selected', h.host === host);
      cell(row, h.host);
      cell(row, h.eventForm);
      cell(row, h.mode);
      cell(row, h.queueDevices);
      cell(row, h.busSequence);
      cell(row, h.appliedSequence);
      cell(row, h.behind, h.behind > 0 ? 'behind' : null).dataset.field = 'behind';
      cell(row, h.parkedEvents);
      cell(row, h.unacknowledgedUpdates);
      cell(row, h.mdevs);
      row.addEventListener('click', () => select(h.host));
    }
    $('next').disabled = !next;
    $('first').disabled = !after;
  }

  function hsl(h, s, l) {
    const k = n => (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    const f = n => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
    return [f(0), f(8), f(4)];
  }

  const mdevColour = (index, inApcb) => hsl((index * 137.508 + 20) % 360, inApcb ? 0.85 : 0.5, inApcb ? 0.55 : 0.3);
  const css = rgb => `rgb(${rgb[0]}, ${rgb[1]}, ${rgb[2]})`;

  function ids(hex) {
    const out = [];
    const digits = hex.replace(/^0x/, '');
    for (let i = 0; i < digits.length; i++) {
      const nibble = parseInt(digits[i], 16);
      for (let b = 0; b < 4; b++) if (nibble & (8 >> b)) out.push(i * 4 + b);
    }
    return out;
  }

  function owners(mdevs, apm, aqm) {
    const owner = new Int32Array(SIZE * SIZE).fill(-1);
    mdevs.forEach((m, i) => {
      const domains = ids(m[aqm]);
      for (const a of ids(m[apm])) for (const d of domains) owner[a * SIZE + d] = i;
    });
    return owner;
  }

  function draw(data) {
    const cells = Uint8Array.from(atob(data.cells), c => c.charCodeAt(0));
    const assigned = owners(data.mdevs, 'apm', 'aqm');
    const shadow = owners(data.mdevs, 'shadowApm', 'shadowAqm');
    const image = new ImageData(SIZE, SIZE);
    const counts = new Map();
    const ownerOf = (state, i) => state === 'assigned' ? assigned[i] : state === 'in-guest-apcb' ? shadow[i] : -1;
    for (let i = 0; i < cells.length; i++) {
      const state = data.states[cells[i]];
      const owner = ownerOf(state, i);
      const rgb = owner >= 0 ? mdevColour(owner, state === 'in-guest-apcb') : colourOf(state);
      image.data.set([rgb[0], rgb[1], rgb[2], 255], i * 4);
      const key = owner >= 0 ? `${state}/${owner}` : state;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    $('matrix').getContext('2d').putImageData(image, 0, 0);
    zoom(cells);
    picture = { data, cells, ownerOf };
    legend(data, counts);
    const behind = data.busSequence === null ? 'ApBus has no such host' : `${data.busSequence - data.appliedSequence} behind`;
    $('host-lag').textContent = `bus events: ApBus published ${data.busSequence ?? '-'}, VfioAp applied ${data.appliedSequence} (${behind})`;
    document.body.dataset.appliedSequence = data.appliedSequence;
    if (pinned !== null) describe(pinned);
  }

  // A small host is a few pixels of the 256 x 256 picture: the zoom shows the corner that holds every configured or assigned APQN.
  function zoom(cells) {
    let last = 0;
    cells.forEach((state, i) => { if (state !== 0) last = Math.max(last, i >> 8, i & 255); });
    const side = Math.min(SIZE, Math.max(16, Math.ceil((last + 1) / 16) * 16));
    const canvas = $('zoom');
    canvas.width = canvas.height = side;
    canvas.getContext('2d').drawImage($('matrix'), 0, 0, side, side, 0, 0, side, side);
    $('zoom-caption').textContent = `adapters and domains 0-${side - 1}`;
  }

  function legend(data, counts) {
    const items = Object.keys(FIXED).map(state => ({ state, rgb: FIXED[state], text: DESCRIBE[state](), count: counts.get(state) ?? 0 }));
    data.mdevs.forEach((m, i) => {
      items.push({ state: 'assigned', mdev: m, rgb: mdevColour(i, false), text: `assigned to mdev ${m.name}`, count: counts.get(`assigned/${i}`) ?? 0 });
      if (m.guest)
        items.push({ state: 'in-guest-apcb', mdev: m, rgb: mdevColour(i, true), text: `in guest ${m.guest}'s APCB (mdev ${m.name})`,
          count: counts.get(`in-guest-apcb/${i}`) ?? 0 });
    });
    $('legend').replaceChildren(...items.map(item => {
      const li = document.createElement('li');
      li.dataset.state = item.state;
      if (item.mdev) li.dataset.mdev = item.mdev.name;
      if (item.mdev?.guest && item.state === 'in-guest-apcb') li.dataset.guest = item.mdev.guest;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.backgroundColor = css(item.rgb);
      const count = document.createElement('span');
      count.className = 'count';
      count.textContent = `${item.count} APQNs`;
      li.append(swatch, item.text, ' ', count);
      return li;
    }));
  }

  const hex = (n, width) => n.toString(16).padStart(width, '0');

  function describe(index) {
    if (!picture) return;
    const state = picture.data.states[picture.cells[index]];
    const owner = picture.ownerOf(state, index);
    $('apqn').textContent = `APQN ${hex(index >> 8, 2)}.${hex(index & 255, 4)}: ${describeState(state, picture.data.mdevs[owner])}`;
  }

  function apqnAt(event) {
    const canvas = event.target;
    const x = Math.min(canvas.width - 1, Math.floor(event.offsetX * canvas.width / canvas.clientWidth));
    const y = Math.min(canvas.height - 1, Math.floor(event.offsetY * canvas.height / canvas.clientHeight));
    return y * SIZE + x;
  }

  function guests(list) {
    const body = $('guests').tBodies[0];
    body.replaceChildren();
    for (const g of list) {
      const row = body.insertRow();
      row.dataset.guest = g.guest;
      const field = (name, text, className) => { cell(row, text, className).dataset.field = name; };
      field('guest', g.guest);
      field('mdev', g.mdev, 'text');
      field('vcpus', g.vcpus);
      field('updates', g.updates);
      field('sent', g.sentVersion);
      field('acked', g.acknowledgedVersion);
      field('applied', g.appliedVersion);
      field('suspended', g.suspendedMilliseconds?.toFixed(3));
      field('applied-at', g.appliedAt ? new Date(g.appliedAt).toLocaleTimeString() : null);
      field('apcb', g.apm === null ? null : `${g.apm || '-'} / ${g.aqm || '-'} / ${g.adm || '-'}`, 'text');
      field('last', g.lastUpdates.map(u => `v${u.version} ${new Date(u.appliedAt).toLocaleTimeString()} ${u.suspendedMilliseconds.toFixed(3)} ms`)
        .join('; ') || null, 'text');
      const key = `${host}/${g.guest}`;
      if (updateCounts.has(key) && updateCounts.get(key) !== g.updates) row.classList.add('changed');
      updateCounts.set(key, g.updates);
    }
  }

  async function loadHost() {
    const shown = host;
    try {
      const [data, list] = await Promise.all([get(`hosts/${encodeURIComponent(shown)}/apqns`), get(`hosts/${encodeURIComponent(shown)}/guests`)]);
      if (shown !== host) return;
      $('host').hidden = false;
      $('host-title').textContent = `Host ${shown}`;
      draw(data);
      guests(list);
    } catch (error) {
      if (error.status !== 404 && error.status !== 400) throw error;
      $('host-title').textContent = `Host ${shown}: ${error.message}`;
      $('host').hidden = false;
      picture = null;
    }
  }

  function select(name) {
    host = name;
    pinned = null;
    history.replaceState(null, '', `${location.pathname}${location.search}#host=${encodeURIComponent(name)}`);
    poll();
  }

  // One poll at a time: a click during a poll asks for another right after it, rather than starting a second loop.
  async function poll() {
    clearTimeout(timer);
    if (polling) {
      again = true;
      return;
    }
    polling = true;
    again = false;
    let refused = null;
    if (!document.hidden) {
      try {
        await Promise.all([loadFleet(), host ? loadHost() : null]);
        status(`live: updated ${new Date().toLocaleTimeString()}`);
      } catch (error) {
        if (error instanceof KeyRefused) refused = error;
        else status(`not updated: ${error.message}`, true);
      }
    }
    polling = false;
    if (refused) return askKey(refused.message);
    timer = setTimeout(poll, again ? 0 : POLL_MS);
  }

  function askKey(message) {
    clearTimeout(timer);
    sessionStorage.removeItem(KEY);
    $('main').hidden = true;
    $('forget').hidden = true;
    $('key-form').hidden = false;
    $('key-error').textContent = message ?? '';
    status('');
  }

  function start() {
    $('key-form').hidden = true;
    $('main').hidden = false;
    $('forget').hidden = false;
    poll();
  }

  $('key-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(KEY, $('key').value.trim());
    $('key').value = '';
    start();
  });
  $('forget').addEventListener('click', () => askKey());
  $('next').addEventListener('click', () => { after = next; poll(); });
  $('first').addEventListener('click', () => { after = null; poll(); });
  for (const canvas of [$('matrix'), $('zoom')]) {
    canvas.addEventListener('mousemove', event => { if (pinned === null) describe(apqnAt(event)); });
    canvas.addEventListener('click', event => { pinned = pinned === null ? apqnAt(event) : null; describe(apqnAt(event)); });
  }
  window.addEventListener('hashchange', () => { readFragment(); if (sessionStorage.getItem(KEY)) poll(); });

  readFragment();
  if (sessionStorage.getItem(KEY)) start(); else askKey();
})();
