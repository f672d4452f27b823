// The queue agent's panel: a shell (index.html) whose content, the workers, the queue's counts and
// the deployments, is fetched from GET /api/panel with the agent's token every few seconds. The
// agent renders that fragment and escapes every value in it (names and hosts come from the state
// and from Redis); the page's CSP runs no script but the agent's own files.
'use strict';

(() => {
  const tokens = globalThis.sluiceAgentToken;
  const REFRESH_MS = 2000;
  const $ = (id) => document.getElementById(id);

  let token = null;
  let timer = null;

  function showLogin(message) {
    token = null;
    tokens.clear();
    if (timer) clearInterval(timer);
    timer = null;
    $('main').hidden = true;
    $('main').replaceChildren();
    $('login').hidden = false;
    $('login-message').textContent = message || '';
    $('agent-status').textContent = 'not signed in';
  }

  async function refresh() {
    if (!token) return;
    let res;
    try {
      res = await fetch('/api/panel', { headers: { authorization: `Bearer ${token}` }, cache: 'no-store' });
    } catch {
      $('agent-status').textContent = 'the agent does not answer (is it still running?)';
      return;
    }
    if (res.status === 401) {
      showLogin('The token was not accepted (queue agents keep theirs in Redis: it changes only if Redis lost it): open the address `sluice agent panel` prints.');
      return;
    }
    if (!res.ok) {
      $('agent-status').textContent = `the agent answered ${res.status}`;
      return;
    }
    const html = await res.text();
    if (!token) return;
    $('main').innerHTML = html;
    $('agent-status').textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  function enter() {
    $('login').hidden = true;
    $('main').hidden = false;
    void refresh();
    if (timer) clearInterval(timer);
    timer = setInterval(refresh, REFRESH_MS);
  }

  $('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = $('login-token').value.trim();
    $('login-token').value = '';
    if (!t) return;
    tokens.set(t);
    token = t;
    enter();
  });
  // The address with the token may be opened in a tab that shows the panel already (only the
  // fragment changes, so the page is not loaded again).
  window.addEventListener('hashchange', () => {
    if (!tokens.offered()) return;
    token = tokens.take(null);
    if (token) enter();
  });
  token = tokens.take(null);
  if (token) enter();
  else showLogin('');
})();
