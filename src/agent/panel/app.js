// The agent's panel: plain DOM, no framework, no external assets (the page's CSP allows only this
// origin). Everything shown comes from the agent's JSON API, and is put into the page with
// textContent, never as HTML: names and error messages are data, not markup.
//
// The access token is taken from the address by token.js (shared with the queue agent's panel:
// the URL fragment, then sessionStorage) and sent as `Authorization: Bearer` with every API request.
// The agent never sends any app token to the page: connections are listed without them, and the
// token typed into the form goes one way.
'use strict';

(() => {
  const tokens = globalThis.sluiceAgentToken;
  const REFRESH_MS = 2000;
  const $ = (id) => document.getElementById(id);

  let token = null;
  let timer = null;
  /** The form values that last validated: Save is allowed only for exactly these. */
  let validated = null;

  // ---- the token ----

  function takeTokenFromFragment() {
    // The token leaves the address bar; a run to show (#run=ID, from a notification) stays.
    const run = runFromFragment();
    token = tokens.take(run ? `run=${run}` : null);
  }

  /** `#run=ID`: the run a failure notification links to. */
  function runFromFragment() {
    const m = /(?:^#|&)run=(\d+)/.exec(location.hash);
    return m ? m[1] : null;
  }

  function showLogin(message) {
    token = null;
    tokens.clear();
    if (timer) clearInterval(timer);
    timer = null;
    $('main').hidden = true;
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('agent-status').textContent = 'not signed in';
  }

  // ---- the API ----

  class ApiError extends Error {
    constructor(status, error) {
      super((error && error.message) || `the agent answered ${status}`);
      this.status = status;
      this.code = error && error.code;
      this.hint = error && error.hint;
    }
  }

  async function api(method, path, body) {
    const headers = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(`/api/${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch {
      throw new ApiError(0, { message: 'the agent does not answer (is it still running?)' });
    }
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (res.status === 401) {
      showLogin('The token was not accepted (the agent may have restarted): open the address `sluice agent panel` prints.');
      throw new ApiError(401, data && data.error);
    }
    if (!res.ok) throw new ApiError(res.status, data && data.error);
    return data;
  }

  // ---- small DOM helpers ----

  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'className') e.className = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
    return e;
  }

  /** What each table shows now: it is rebuilt only when that changes (a click is never lost to a redraw). */
  const shown = new Map();

  function fillTable(id, data, render, emptyText, columns) {
    const key = JSON.stringify(data);
    if (shown.get(id) === key) return;
    shown.set(id, key);
    const body = $(id).querySelector('tbody');
    const rows = data.map(render);
    if (rows.length === 0) {
      body.replaceChildren(el('tr', { className: 'empty' }, el('td', { colspan: String(columns) }, emptyText)));
      return;
    }
    body.replaceChildren(...rows);
  }

  function say(id, text, kind) {
    const m = $(id);
    m.textContent = text;
    m.className = `message${kind ? ` ${kind}` : ''}`;
  }

  const time = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '–');

  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return `${ms} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }

  const errorText = (e) => (e ? `${e.code ? `${e.code} ` : ''}${e.message}` : '');

  // ---- views ----

  async function refreshStatus() {
    const s = await api('GET', 'status');
    const r = s.runs;
    const parts = [`pid ${s.pid}`, `up ${duration(s.uptime_s * 1000)}`, `${s.deployments} deployment${s.deployments === 1 ? '' : 's'}`, `${r.running} running`];
    if (s.cache && s.cache.memory) parts.push(`${s.cache.memory.entries} cached lookups`);
    if (s.stopping) parts.push('stopping');
    $('agent-status').textContent = parts.join(' · ');
  }

  async function refreshConnections() {
    const { connections } = await api('GET', 'connections');
    const from = (c) => (c.token_from === 'saved' ? 'saved' : c.token_from === 'environment' ? 'from the environment' : 'missing');
    fillTable(
      'conn-table',
      connections,
      (c) =>
        el(
          'tr',
          { 'data-connection': c.name },
          el('td', {}, c.name),
          el('td', {}, c.app),
          el('td', {}, c.company_url || '–'),
          el('td', {}, c.api_version),
          el('td', {}, from(c)),
          el(
            'td',
            {},
            el('button', { type: 'button', 'data-conn-action': 'test', 'data-name': c.name, className: 'quiet' }, 'Test'),
            ' ',
            c.app === 'pipedrive' ? el('button', { type: 'button', 'data-conn-action': 'discover', 'data-name': c.name, className: 'quiet' }, 'Discover') : '',
            ' ',
            c.token_from === 'saved' ? el('button', { type: 'button', 'data-conn-action': 'remove', 'data-name': c.name, className: 'quiet' }, removeArmed.has(c.name) ? 'Confirm remove' : 'Remove') : '',
          ),
        ),
      'No connections yet: add one with +.',
      6,
    );
  }

  /** "Test" on a listed connection: the same request as `sluice connections test NAME`. */
  async function testConnection(name) {
    say('conn-status', `Testing ${name}…`);
    try {
      const r = await api('POST', `connections/${encodeURIComponent(name)}/test`);
      say('conn-status', `${name}: ${r.message} (${r.reached}).`, 'ok');
    } catch (e) {
      say('conn-status', `${name}: ${e.message}`, 'error');
    }
  }

  /** "Discover": `sluice discover NAME`, the company's custom fields, which flows then use by name. */
  async function discoverConnection(name) {
    say('conn-status', `Reading the custom fields of ${name}…`);
    try {
      const r = await api('POST', `connections/${encodeURIComponent(name)}/discover`);
      const counts = Object.entries(r.custom_fields);
      const total = counts.reduce((n, [, k]) => n + k, 0);
      say('conn-status', `${name}: discovered ${total} custom field${total === 1 ? '' : 's'} (${counts.map(([e, k]) => `${e}s ${k}`).join(', ')}).`, 'ok');
    } catch (e) {
      say('conn-status', `${name}: ${e.message}`, 'error');
    }
  }

  const removeArmed = new Map();

  /** "Remove" asks once more, then removes the saved connection (as `sluice connections remove`). */
  async function removeConnection(name, button) {
    if (!removeArmed.has(name)) {
      removeArmed.set(name, setTimeout(() => removeArmed.delete(name), 5000));
      button.textContent = 'Confirm remove';
      say('conn-status', `Click "Confirm remove" to delete ${name} and its token from this machine (flows using it stop checking).`);
      return;
    }
    clearTimeout(removeArmed.get(name));
    removeArmed.delete(name);
    try {
      const r = await api('DELETE', `connections/${encodeURIComponent(name)}`);
      say('conn-status', `Removed connection ${r.removed} (${r.company_url}).`, 'ok');
    } catch (e) {
      say('conn-status', e.message, 'error');
    }
    await refreshConnections();
  }

  async function refreshDeployments() {
    const { deployments } = await api('GET', 'deployments');
    const render = (d) => {
      const last = d.last_run;
      const lastCell = last ? el('td', {}, el('span', { className: `status ${last.status}` }, last.status), ` ${time(last.started_at)}`) : el('td', {}, '–');
      const runNow = el('button', { type: 'button', 'data-action': 'run', 'data-name': d.name }, 'Run now');
      if (d.running) runNow.disabled = true;
      const pause = el('button', { type: 'button', 'data-action': d.paused ? 'resume' : 'pause', 'data-name': d.name }, d.paused ? 'Resume' : 'Pause');
      const undeploy = el('button', { type: 'button', 'data-action': 'undeploy', 'data-name': d.name }, armed.has(d.name) ? 'Confirm undeploy' : 'Undeploy');
      const details = el('button', { type: 'button', 'data-action': 'details', 'data-name': d.name, className: 'quiet' }, 'Details');
      return el(
        'tr',
        { 'data-deployment': d.name },
        el('td', {}, d.name),
        el('td', {}, `v${d.version}`),
        el('td', {}, d.schedule || 'on demand', d.paused ? el('span', { className: 'paused' }, ' (paused)') : ''),
        lastCell,
        el('td', {}, d.running ? 'running now' : d.paused ? 'paused' : time(d.next_run)),
        el('td', { className: 'actions' }, runNow, pause, undeploy, details),
      );
    };
    fillTable('deploy-table', deployments, render, 'Nothing is deployed: `sluice deploy FILE`.', 6);
  }

  async function refreshRuns() {
    const { runs } = await api('GET', 'runs?limit=50');
    const render = (r) =>
      el(
        'tr',
        { 'data-run': String(r.id) },
        el('td', { className: 'num' }, r.id),
        el('td', {}, r.version ? `${r.flow} v${r.version}` : r.flow),
        el('td', {}, el('span', { className: `status ${r.status}` }, r.status)),
        el('td', { className: 'time' }, time(r.started_at)),
        el('td', {}, r.status === 'running' ? 'running' : duration(r.duration_ms)),
        el('td', { className: 'num' }, r.read),
        el('td', { className: 'num' }, r.written),
        el('td', { className: 'num' }, r.rejected),
        el('td', { className: r.status === 'skipped' ? '' : 'error' }, errorText(r.error)),
      );
    fillTable('runs-table', runs, render, 'No runs yet.', 9);
  }

  async function refresh() {
    try {
      await Promise.all([refreshStatus(), refreshDeployments(), refreshRuns()]);
    } catch (e) {
      if (e.status !== 401) $('agent-status').textContent = e.message;
    }
  }

  // ---- actions ----

  async function runNow(name) {
    say('deploy-message', `Starting ${name}…`);
    try {
      await api('POST', `deployments/${encodeURIComponent(name)}/run`, {});
      say('deploy-message', `Started ${name}.`, 'ok');
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
    await refresh();
  }

  async function pauseResume(name, action) {
    try {
      await api('POST', `deployments/${encodeURIComponent(name)}/${action}`, {});
      say('deploy-message', `${action === 'pause' ? 'Paused' : 'Resumed'} ${name}.`, 'ok');
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
    await refresh();
  }

  /** Undeploy asks once more on the same button: a second click within 5 s confirms. */
  const armed = new Map();

  async function undeploy(name, button) {
    if (!armed.has(name)) {
      armed.set(name, setTimeout(() => armed.delete(name), 5000));
      button.textContent = 'Confirm undeploy';
      say('deploy-message', `Click "Confirm undeploy" to stop scheduling ${name} (its history and state are kept).`);
      return;
    }
    clearTimeout(armed.get(name));
    armed.delete(name);
    try {
      const r = await api('DELETE', `deployments/${encodeURIComponent(name)}`);
      say('deploy-message', `Undeployed ${name} (v${r.undeployed.version})${r.undeployed.running ? '; its run in progress will finish' : ''}.`, 'ok');
      if ($('dep-name').textContent === name) $('deployment-detail').hidden = true;
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
    await refresh();
  }

  const recordText = (r) => {
    const t = JSON.stringify(r);
    return t && t.length > 400 ? `${t.slice(0, 400)}…` : t;
  };

  async function showDeployment(name) {
    if ($('dep-name').textContent !== name) say('dep-message', '');
    try {
      const d = await api('GET', `deployments/${encodeURIComponent(name)}`);
      const { rejected } = await api('GET', `deployments/${encodeURIComponent(name)}/rejected?limit=100`);
      $('dep-name').textContent = d.name;
      const bits = [`flow ${d.flow}`, `v${d.version}`, d.schedule || 'on demand'];
      if (d.paused) bits.push('paused');
      if (d.file) bits.push(`from ${d.file}`);
      if (d.allow_paths && d.allow_paths.length) bits.push(`may also use ${d.allow_paths.join(', ')}`);
      if (d.notify_url) bits.push('failures are notified');
      if (d.webhook) bits.push(`webhook ${d.webhook.event}: ${d.webhook.events.pending + d.webhook.events.sending} waiting, ${d.webhook.events.done} done`);
      $('dep-summary').textContent = bits.join(' · ');
      $('dep-source-version').textContent = `(v${d.version}, running now)`;
      $('dep-source').textContent = d.text;
      shown.delete('dep-versions');
      shown.delete('dep-rejected');
      fillTable(
        'dep-versions',
        d.versions,
        (v) => el('tr', { 'data-version': String(v.version) }, el('td', {}, `v${v.version}`), el('td', { className: 'time' }, time(v.created_at)), el('td', {}, v.schedule || 'on demand'), el('td', {}, el('button', { type: 'button', 'data-show-version': String(v.version), className: 'quiet' }, 'Show source'))),
        'No versions.',
        4,
      );
      fillTable(
        'dep-rejected',
        rejected,
        (r) =>
          el(
            'tr',
            { 'data-rejected': String(r.id) },
            el('td', { className: 'num' }, r.run_id === null ? '–' : r.run_id),
            el('td', { className: 'time' }, time(r.created_at)),
            el('td', { className: 'error' }, `${r.code ? `${r.code} ` : ''}${r.reason}`),
            el('td', { className: 'record' }, recordText(r.record)),
            el('td', {}, el('button', { type: 'button', 'data-replay': String(r.id), className: 'quiet' }, 'Replay')),
          ),
        'No rejected records.',
        5,
      );
      $('dep-replay-all').disabled = rejected.length === 0;
      $('deployment-detail').hidden = false;
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
  }

  /** Sends rejected records (one, or all with no id) through the deployed flow as it is now. */
  async function replay(id) {
    const name = $('dep-name').textContent;
    say('dep-message', 'Replaying…');
    try {
      const { replay: r } = await api('POST', `deployments/${encodeURIComponent(name)}/replay`, id ? { ids: [Number(id)] } : {});
      const parts = [`${r.sent} sent`];
      if (r.arrived) parts.push(`${r.arrived} had arrived`);
      if (r.refused) parts.push(`${r.refused} refused again`);
      if (r.kept) parts.push(`${r.kept} kept`);
      await showDeployment(name);
      say('dep-message', `Replayed ${r.considered} record${r.considered === 1 ? '' : 's'}: ${parts.join(', ')}.`, r.refused ? 'error' : 'ok');
    } catch (e) {
      say('dep-message', e.message, 'error');
    }
  }

  async function showVersion(version) {
    const name = $('dep-name').textContent;
    try {
      const v = await api('GET', `deployments/${encodeURIComponent(name)}/versions/${version}`);
      $('dep-source-version').textContent = `(v${v.version})`;
      $('dep-source').textContent = v.text;
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
  }

  async function showRun(id) {
    try {
      const { run, rejected } = await api('GET', `runs/${encodeURIComponent(id)}`);
      $('run-id').textContent = `#${run.id}`;
      const d = run.details;
      const h = d && d.http;
      const fields = [
        ['Deployment', run.version ? `${run.flow} v${run.version}` : run.flow],
        ['Status', run.status],
        ['Trigger', run.trigger],
        ['Started (UTC)', time(run.started_at)],
        ['Duration', duration(run.duration_ms)],
        ['Read', run.read],
        ['Written', run.written],
        ['Rejected', run.rejected],
      ];
      if (d) {
        fields.push(['Skipped (already written)', d.skipped], ['Filtered out', d.filtered], ['Left for the next run', d.unsent], ['Pages', d.pages], ['Read to the end', d.complete ? 'yes' : 'no']);
        fields.push(['HTTP requests', h.requests], ['Retries', h.retries], ['429 answers', h.status429], ['Rate-limit waits', `${h.rate_limit_waits} (${duration(h.waited_ms)})`]);
        fields.push(['Destination', d.destination]);
        if (d.watermark) fields.push(['Watermark', d.watermark]);
        for (const w of d.warnings) fields.push(['Warning', w]);
      }
      if (run.error) {
        fields.push(['Error', errorText(run.error)]);
        if (run.error.hint) fields.push(['Hint', run.error.hint]);
      }
      $('run-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k }, v)]));
      $('run-log').textContent = d && d.log && d.log.length ? d.log.join('\n') : 'No log kept for this run.';
      shown.delete('run-rejected');
      fillTable('run-rejected', rejected, (r) => el('tr', {}, el('td', { className: 'error' }, `${r.code ? `${r.code} ` : ''}${r.reason}`), el('td', { className: 'record' }, recordText(r.record))), 'None.', 2);
      $('run-detail').hidden = false;
    } catch (e) {
      say('deploy-message', e.message, 'error');
    }
  }

  async function clearCache() {
    say('cache-message', 'Clearing…');
    try {
      const r = await api('POST', 'cache/clear', {});
      say('cache-message', `Cache cleared: ${r.removed_files} file${r.removed_files === 1 ? '' : 's'}, ${r.entries_in_memory} cached lookup${r.entries_in_memory === 1 ? '' : 's'}.`, r.ok ? 'ok' : 'error');
    } catch (e) {
      say('cache-message', e.message, 'error');
    }
    await refresh();
  }

  function formValues() {
    return {
      app: 'pipedrive',
      name: $('conn-name').value.trim(),
      company_url: $('conn-url').value.trim(),
      api_version: $('conn-version').value,
      token: $('conn-token').value.trim(),
      allow_insecure: $('conn-insecure').checked,
    };
  }

  const same = (a, b) => a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);

  function formChanged() {
    // Any edit after a validation needs a new one before Save.
    if (!same(validated, formValues())) {
      $('conn-save').disabled = true;
      if (validated) say('conn-message', 'Changed since the validation: Validate again.');
      validated = null;
    }
  }

  function showFailure(e) {
    say('conn-message', `${e.message}${e.hint ? ` — ${e.hint}` : ''}`, 'error');
  }

  async function validate() {
    const values = formValues();
    validated = null;
    $('conn-save').disabled = true;
    $('conn-validate').disabled = true;
    say('conn-message', 'Validating…');
    try {
      const r = await api('POST', 'connections/validate', values);
      validated = values;
      $('conn-save').disabled = false;
      say('conn-message', `${r.message}: ${r.reached}`, 'ok');
    } catch (e) {
      showFailure(e);
    } finally {
      $('conn-validate').disabled = false;
    }
  }

  async function save() {
    const values = formValues();
    if (!same(validated, values)) return formChanged();
    $('conn-save').disabled = true;
    say('conn-message', 'Saving…');
    try {
      const r = await api('POST', 'connections', { ...values, replace: $('conn-replace').checked });
      $('conn-token').value = '';
      validated = null;
      $('conn-form').hidden = true;
      say('conn-message', '');
      say('conn-status', `Saved connection ${r.name} (${r.company_url}, API ${r.api_version}).`, 'ok');
      await refreshConnections();
    } catch (e) {
      showFailure(e);
      $('conn-save').disabled = !same(validated, formValues());
    }
  }

  function openForm() {
    $('conn-form').hidden = false;
    say('conn-status', '');
    $('conn-url').focus();
  }

  function closeForm() {
    $('conn-form').hidden = true;
    $('conn-token').value = '';
    validated = null;
    $('conn-save').disabled = true;
    say('conn-message', '');
  }

  // ---- start ----

  async function enter() {
    $('login').hidden = true;
    $('main').hidden = false;
    try {
      await refreshConnections();
    } catch (e) {
      if (e.status === 401) return;
    }
    await refresh();
    if (timer) clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
    const run = runFromFragment();
    if (run) void showRun(run);
  }

  function init() {
    $('conn-add').addEventListener('click', openForm);
    $('conn-cancel').addEventListener('click', closeForm);
    $('conn-validate').addEventListener('click', validate);
    $('conn-save').addEventListener('click', save);
    $('clear-cache').addEventListener('click', clearCache);
    // One listener for the table, not one per button: rows are rebuilt when the data changes.
    $('deploy-table').addEventListener('click', (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest('button[data-action]') : null;
      if (!b || b.disabled) return;
      const name = b.getAttribute('data-name');
      const action = b.getAttribute('data-action');
      if (action === 'run') void runNow(name);
      else if (action === 'pause' || action === 'resume') void pauseResume(name, action);
      else if (action === 'undeploy') void undeploy(name, b);
      else if (action === 'details') void showDeployment(name);
    });
    $('conn-table').addEventListener('click', (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest('button[data-conn-action]') : null;
      if (!b) return;
      const name = b.getAttribute('data-name');
      const action = b.getAttribute('data-conn-action');
      if (action === 'test') void testConnection(name);
      else if (action === 'discover') void discoverConnection(name);
      else void removeConnection(name, b);
    });
    $('dep-rejected').addEventListener('click', (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest('button[data-replay]') : null;
      if (b) void replay(b.getAttribute('data-replay'));
    });
    $('dep-replay-all').addEventListener('click', () => void replay(null));
    $('dep-versions').addEventListener('click', (ev) => {
      const b = ev.target instanceof Element ? ev.target.closest('button[data-show-version]') : null;
      if (b) void showVersion(b.getAttribute('data-show-version'));
    });
    $('runs-table').addEventListener('click', (ev) => {
      const tr = ev.target instanceof Element ? ev.target.closest('tr[data-run]') : null;
      if (tr) void showRun(tr.getAttribute('data-run'));
    });
    $('dep-close').addEventListener('click', () => ($('deployment-detail').hidden = true));
    $('run-close').addEventListener('click', () => ($('run-detail').hidden = true));
    for (const id of ['conn-name', 'conn-url', 'conn-version', 'conn-token', 'conn-insecure']) {
      $(id).addEventListener('input', formChanged);
      $(id).addEventListener('change', formChanged);
    }
    $('conn-form').addEventListener('submit', (ev) => ev.preventDefault());
    $('login-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('login-token').value.trim();
      $('login-token').value = '';
      if (!t) return;
      tokens.set(t);
      token = t;
      void enter();
    });
    // The address with the token may also be opened in a tab that shows the panel already (only
    // the fragment changes, so the page is not loaded again).
    window.addEventListener('hashchange', () => {
      if (tokens.offered()) {
        takeTokenFromFragment();
        if (token) void enter();
      } else if (token && runFromFragment()) void showRun(runFromFragment());
    });
    takeTokenFromFragment();
    if (token) void enter();
    else showLogin('');
  }

  init();
})();
