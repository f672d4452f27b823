// The agent's access token in a panel page: shared by the in-process agent's panel (app.js) and the
// queue agent's (src/scale/panel/panel.js), loaded before them.
//
// The token arrives in the URL fragment (#token=..., printed by `sluice agent panel`), which browsers
// never send to a server; it is moved into sessionStorage (this tab only) and removed from the
// address bar at once, then sent as `Authorization: Bearer` with every API request.
'use strict';

globalThis.sluiceAgentToken = (() => {
  const KEY = 'sluice-agent-token';
  const inFragment = () => /(?:^#|&)token=([^&]+)/.exec(location.hash);
  return Object.freeze({
    /** Whether the address carries a token (the address `sluice agent panel` prints was opened). */
    offered: () => inFragment() !== null,
    /**
     * Takes a token from the address into this tab's storage and out of the address bar; `keep` is
     * the fragment to leave there instead (without '#'), if any. Returns the token held now, or null.
     */
    take(keep) {
      const m = inFragment();
      if (m) {
        sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
        history.replaceState(null, '', location.pathname + location.search + (keep ? `#${keep}` : ''));
      }
      return sessionStorage.getItem(KEY);
    },
    /** A token pasted into the login form. */
    set(token) {
      sessionStorage.setItem(KEY, token);
    },
    /** Forgets a token the agent refused. */
    clear() {
      sessionStorage.removeItem(KEY);
    },
  });
})();
