// distro-node console: members from /nacos/v1/core/cluster/nodes, instances live from the watch
// WebSocket (docs/WATCH.md): a snapshot, then events; reconnects and resumes from the last revision.
(function () {
  'use strict';
  const mirror = new Map(); // key -> instance
  let epoch = null;
  let revision = 0;
  let ws = null;

  const $ = (id) => document.getElementById(id);
  const keyOf = (i) => [i.namespace, i.group, i.service, i.cluster, i.ip + ':' + i.port].join('/');
  const text = (v) => document.createTextNode(v == null ? '' : String(v));

  function cell(row, value, cls) {
    const td = document.createElement('td');
    if (cls) td.className = cls;
    td.appendChild(value instanceof Node ? value : text(value));
    row.appendChild(td);
  }

  function renderInstances() {
    const ns = $('f-ns').value.trim();
    const group = $('f-group').value.trim();
    const svc = $('f-service').value.trim();
    const healthyOnly = $('f-healthy').checked;
    const rows = [...mirror.values()]
      .filter((i) => (!ns || i.namespace === ns) && (!group || i.group === group)
        && (!svc || i.service.includes(svc)) && (!healthyOnly || i.healthy))
      .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const body = document.querySelector('#instances tbody');
    body.replaceChildren();
    for (const i of rows) {
      const tr = document.createElement('tr');
      tr.dataset.key = keyOf(i);
      cell(tr, i.namespace); cell(tr, i.group); cell(tr, i.service); cell(tr, i.cluster);
      cell(tr, i.ip + ':' + i.port); cell(tr, i.weight);
      cell(tr, i.healthy ? 'yes' : 'no', i.healthy ? '' : 'unhealthy'); cell(tr, i.enabled ? 'yes' : 'no');
      const code = document.createElement('code');
      code.textContent = JSON.stringify(i.metadata || {});
      cell(tr, code);
      body.appendChild(tr);
    }
    const services = new Set([...mirror.values()].map((i) => i.namespace + '/' + i.group + '/' + i.service));
    $('summary').textContent = mirror.size + ' instances in ' + services.size + ' services; showing '
      + rows.length + ' (revision ' + revision + ')';
  }

  function apply(f) {
    switch (f.type) {
      case 'hello':
        if (epoch && f.epoch !== epoch) { mirror.clear(); }
        break;
      case 'snapshot':
        if (f.epoch) epoch = f.epoch;
        f.instances.forEach((i) => mirror.set(keyOf(i), i));
        revision = Math.max(revision, f.revision);
        break;
      case 'event':
        if (f.kind === 'deleted') mirror.delete(keyOf(f.instance)); else mirror.set(keyOf(f.instance), f.instance);
        revision = f.revision;
        break;
      case 'service': {
        const prefix = [f.namespace, f.group, f.service].join('/') + '/';
        for (const k of [...mirror.keys()]) if (k.startsWith(prefix)) mirror.delete(k);
        f.instances.forEach((i) => mirror.set(keyOf(i), i));
        revision = Math.max(revision, f.revision);
        break;
      }
      case 'bookmark':
        revision = Math.max(revision, f.revision);
        break;
      case 'reset':
        mirror.clear();
        break;
      default:
        return false;
    }
    return true;
  }

  // With --auth-enabled the node wants a token: from #token=... in the address, or typed into the
  // field that appears on a 401/403, kept for this tab only (sessionStorage).
  let token = new URLSearchParams(location.hash.slice(1)).get('token') || sessionStorage.getItem('distro-token') || '';
  if (token) sessionStorage.setItem('distro-token', token);

  function askForToken() {
    $('auth').hidden = false;
  }

  $('token').addEventListener('change', () => {
    token = $('token').value.trim();
    sessionStorage.setItem('distro-token', token);
    refreshMembers();
    if (ws) ws.close();
  });

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = token ? '?accessToken=' + encodeURIComponent(token) : '';
    let opened = false;
    ws = new WebSocket(proto + '//' + location.host + '/nacos/v1/ns/watch' + query);
    ws.onopen = () => {
      opened = true;
      $('conn').textContent = 'live';
      $('conn').className = 'badge live';
      const sub = { op: 'subscribe', id: 'console' };
      if (epoch) sub.resume = { epoch: epoch, revision: revision };
      ws.send(JSON.stringify(sub));
    };
    ws.onmessage = (m) => {
      if (apply(JSON.parse(m.data))) renderInstances();
    };
    ws.onclose = () => {
      // refused before it opened: most likely the node wants a token (401 on the upgrade)
      if (!opened) askForToken();
      $('conn').textContent = 'reconnecting';
      $('conn').className = 'badge closed';
      setTimeout(connect, 1000);
    };
  }

  async function refreshMembers() {
    try {
      const r = await fetch('/nacos/v1/core/cluster/nodes',
        { headers: token ? { Authorization: 'Bearer ' + token } : {} });
      if (r.status === 401 || r.status === 403) {
        askForToken();
        return;
      }
      const body = await r.json();
      const tb = document.querySelector('#members tbody');
      tb.replaceChildren();
      for (const m of body.data) {
        const tr = document.createElement('tr');
        cell(tr, m.address);
        cell(tr, m.state, m.state);
        cell(tr, m.failAccessCnt);
        cell(tr, m.self ? 'this node' : '');
        tb.appendChild(tr);
        if (m.self) $('node').textContent = m.address;
      }
    } catch (e) {
      // the node may be restarting; the next refresh tries again
    }
  }

  ['f-ns', 'f-group', 'f-service', 'f-healthy'].forEach((id) => $(id).addEventListener('input', renderInstances));
  refreshMembers();
  setInterval(refreshMembers, 2000);
  connect();
})();
