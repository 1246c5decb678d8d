// @ts-check
// The page: signs in through the toy backend, then gets a Latchkey session token
// from the backend's token route with the SDK's browser entry.
import { createClient, LatchkeyError, tokenFromRoute } from '@latchkey/sdk';

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const platformUrl =
  document.querySelector('meta[name="latchkey-platform-url"]')?.getAttribute('content') ??
  undefined;

// One client for the page. Its token comes from our backend, and it is fetched again
// shortly before it expires; the realtime view will open sessions with this client.
const latchkey = createClient({
  baseUrl: platformUrl,
  token: tokenFromRoute('/api/latchkey/token'),
});

/** Reads a JWT's claims for display (the platform verifies; this only shows). */
function claimsOf(/** @type {string} */ token) {
  const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part + '='.repeat((4 - (part.length % 4)) % 4)));
}

function showStatus(/** @type {string} */ text, isError = false) {
  const status = $('token-status');
  status.textContent = text;
  status.className = isError ? 'error' : '';
}

async function showAccount() {
  const res = await fetch('/api/session');
  const { user } = await res.json();
  $('signin-form').hidden = Boolean(user);
  $('signout-form').hidden = !user;
  $('signed-in').textContent = user ? `Signed in as ${user.name} (${user.userId})` : '';
  showStatus(user ? 'Signed in: ask for a token.' : 'Not signed in: the token route will refuse.');
}

async function getToken() {
  const button = /** @type {HTMLButtonElement} */ ($('get-token'));
  button.disabled = true;
  showStatus('Asking the backend…');
  try {
    const claims = claimsOf(await latchkey.getToken());
    $('token-id').textContent = claims.jti;
    $('token-models').textContent = claims.grant.models.join(', ');
    $('token-user').textContent = String(claims.grant.metadata.userId ?? '');
    $('token-expires').textContent = new Date(claims.exp * 1000).toLocaleTimeString();
    $('token-claims').hidden = false;
    showStatus('Got a session token.');
  } catch (error) {
    $('token-claims').hidden = true;
    const message =
      error instanceof LatchkeyError ? `${error.code}: ${error.message}` : String(error);
    showStatus(message, true);
  } finally {
    button.disabled = false;
  }
}

$('get-token').addEventListener('click', getToken);
await showAccount();
/** @type {HTMLButtonElement} */ ($('get-token')).disabled = false;
document.body.dataset.ready = 'true';
