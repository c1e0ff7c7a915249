// A real OpenID Connect provider (node oidc-provider) on loopback, for the sign-in tests: never for production.
//
//   node tests/oidc/provider.mjs PORT [--redirect-uri URI ...] [--client-secret S] [--accounts FILE]
//                                     [--exit-with-stdin]
//
// PORT 0 picks a free port. When it listens it prints one line, `READY http://127.0.0.1:PORT` (the issuer).
// Redirect URIs come from --redirect-uri (repeatable), else RISKKARTA_OIDC_REDIRECT_URIS (space-separated),
// else `http://127.0.0.1:*/auth/callback`; a `*` port matches any port on 127.0.0.1, so a test can start the
// app on a random port after the provider. The accounts (login -> sub, password, claims) are accounts.json.
// Sign-in is a plain HTML form (`login`, `password`) that a test fills with Playwright or plain HTTP; consent
// is granted without asking.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';

const CLIENT_ID = 'riskkarta-test';
// A dummy for a client that exists only on loopback during a test run; the pytest fixture passes a fresh one.
const DEFAULT_CLIENT_SECRET = 'riskkarta-test-secret-not-for-production';
const DEFAULT_REDIRECT_URI = 'http://127.0.0.1:*/auth/callback';

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'redirect-uri': { type: 'string', multiple: true },
    'client-secret': { type: 'string', default: DEFAULT_CLIENT_SECRET },
    accounts: { type: 'string', default: fileURLToPath(new URL('accounts.json', import.meta.url)) },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
const port = Number(positionals[0] ?? 0);
const redirectUris = options['redirect-uri']
  ?? (process.env.RISKKARTA_OIDC_REDIRECT_URIS || DEFAULT_REDIRECT_URI).split(/\s+/).filter(Boolean);
const accounts = JSON.parse(readFileSync(options.accounts, 'utf8'));
const accountsBySub = new Map(Object.values(accounts).map((account) => [account.sub, account]));

// Exact URIs, and those with a `*` port as patterns: any port on 127.0.0.1, the same path and query.
const redirectRules = redirectUris.map((uri) => {
  if (!uri.includes(':*/')) return { exact: new URL(uri).href };
  if (!uri.startsWith('http://127.0.0.1:*/')) throw new Error(`only http://127.0.0.1 may take any port: ${uri}`);
  const { pathname, search } = new URL(uri.replace(':*/', '/'));
  return { pathname, search };
});

function redirectUriAllowed(value) {
  let url;
  try { url = new URL(value); } catch { return false; }
  return redirectRules.some((rule) => (rule.exact ? rule.exact === url.href
    : url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.port !== ''
      && url.pathname === rule.pathname && url.search === rule.search));
}

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// Development keys made at every start: nothing to commit, and a test sees a real JWKS to verify against.
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: `test-${randomBytes(4).toString('hex')}`, use: 'sig', alg: 'RS256',
};

const server = createServer();
await new Promise((resolve) => { server.listen(port, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: CLIENT_ID,
    client_secret: options['client-secret'],
    // Client metadata must hold URLs: a `*` port stands here without a port; redirectUriAllowed decides.
    redirect_uris: redirectUris.map((uri) => uri.replace(':*/', '/')),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', // what Authlib's client sends by default
  }],
  jwks: { keys: [signingKey] },
  cookies: {
    keys: [randomBytes(32).toString('hex')], // signed cookies, without the "missing cookies.keys" warning
    // v8's default SameSite=None needs Secure, which a browser drops on plain http: the session would be lost.
    long: { sameSite: 'lax' },
  },
  // email/profile are the standard scopes; `riskkarta` is the custom one for the role and the groups that the
  // app maps to a role and districts (e.g. `riskkarta-committee`, `sdn-11`).
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    riskkarta: ['riskkarta_role', 'groups'],
  },
  // Put the scopes' claims in the ID token too (OIDC Core returns them only from userinfo when an access token
  // is issued), so the app can read the role and groups from the ID token alone, as many providers put group
  // claims there; userinfo has them as well.
  conformIdTokenClaims: false,
  async findAccount(ctx, sub) {
    const account = accountsBySub.get(sub);
    if (!account) return undefined;
    return { accountId: sub, async claims() { return { sub, ...account.claims }; } };
  },
  // The one client is first-party: every requested scope and claim is granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.account.accountId,
    });
    grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
    grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
    await grant.save();
    return grant;
  },
  // A plain error page: the default one loads a web font from the internet, and the browser tests allow only
  // loopback.
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(out.error)}</title>
</head><body><h1>${escapeHtml(out.error)}</h1><p>${escapeHtml(out.error_description ?? '')}</p></body></html>`;
  },
  // PKCE (S256) on every authorization request: v8's default, spelled out because the app must send it (RFC 9700
  // recommends it for confidential clients too; Authlib: code_challenge_method='S256').
  pkce: { methods: ['S256'], required: () => true },
  // Our own login form below replaces the development interactions (a page for people, with a consent step).
  features: { devInteractions: { enabled: false } },
  // The default URL, spelled out because the routes at the end of this file serve it.
  interactions: { url: async (ctx, interaction) => `/interaction/${interaction.uid}` },
});

// The rules above decide, not the registered list (the wildcard recipe for v8 replaces the Client prototype's
// check the same way): the port-less stand-ins in the client's metadata are not allowed themselves.
provider.Client.prototype.redirectUriAllowed = redirectUriAllowed;

function loginPage(uid, { login = '', error = '' } = {}) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test sign-in</title></head>
<body>
  <h1>Test sign-in</h1>
  ${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
  <form method="post" action="/interaction/${escapeHtml(uid)}/login">
    <label for="login">Login</label> <input id="login" name="login" value="${escapeHtml(login)}" autofocus>
    <label for="password">Password</label> <input id="password" name="password" type="password">
    <button type="submit">Sign in</button>
  </form>
</body></html>`;
}

function send(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 10000) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

// GET /interaction/:uid shows the form; POST /interaction/:uid/login checks it and resumes the authorization.
async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid || details.prompt.name !== 'login') {
    return send(res, 400, `unexpected interaction (${escapeHtml(details.prompt.name)})`);
  }
  if (req.method === 'GET' && !action) return send(res, 200, loginPage(uid));
  if (req.method !== 'POST' || action !== 'login') return send(res, 405, 'method not allowed');
  const form = await readForm(req);
  const login = form.get('login') ?? '';
  const account = Object.hasOwn(accounts, login) ? accounts[login] : undefined;
  if (!account || account.password !== form.get('password')) {
    return send(res, 401, loginPage(uid, { login, error: 'Wrong login or password.' }));
  }
  return provider.interactionFinished(req, res, { login: { accountId: account.sub } },
    { mergeWithLastSubmission: false });
}

const providerCallback = provider.callback();
server.on('request', async (req, res) => {
  const match = /^\/interaction\/([\w-]+)(?:\/(\w+))?$/.exec(new URL(req.url, issuer).pathname);
  if (!match) return providerCallback(req, res);
  try {
    return await interaction(req, res, match[1], match[2]);
  } catch (err) {
    const status = err instanceof errors.SessionNotFound ? 400 : 500;
    console.error(err);
    return send(res, status, escapeHtml(err.error_description ?? err.message));
  }
});

process.on('SIGTERM', () => process.exit(0));
if (options['exit-with-stdin']) {
  // Started by the test run: go when the parent goes, even if it could not stop us.
  process.stdin.on('end', () => process.exit(0)).resume();
}
console.log(`READY ${issuer}`);
