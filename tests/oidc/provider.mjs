// A real OpenID provider for Tandem's single sign-on tests, on loopback only.
//
//   node provider.mjs --port 4100 --host localhost --client-id tandem --client-secret s3cret \
//        --redirect-uri http://127.0.0.1:8000/coordinator/sso/callback \
//        [--claims-in-id-token] [--auth-method client_secret_post]
//
// One confidential web client (client_secret_basic or client_secret_post), authorization code with
// PKCE S256 required. The login is oidc-provider's own development form: any login name, any
// password. The login name is the account's e-mail, verified, except names starting with
// "unverified", whose e-mail is not. Nothing is kept: accounts, grants and keys live in memory.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'redirect-uri': { type: 'string', multiple: true },
    // By default oidc-provider puts the account's claims in the UserInfo response only, as the
    // specification has it for the code flow; many providers also put them in the ID token.
    'claims-in-id-token': { type: 'boolean', default: false },
    // How the client authenticates at the token endpoint, and the only way discovery offers.
    'auth-method': { type: 'string', default: 'client_secret_basic' },
  },
});
for (const name of ['port', 'client-id', 'client-secret', 'redirect-uri']) {
  if (!args[name]) {
    console.error(`provider.mjs: --${name} is required`);
    process.exit(2);
  }
}
if (!['client_secret_basic', 'client_secret_post'].includes(args['auth-method'])) {
  console.error('provider.mjs: --auth-method is client_secret_basic or client_secret_post');
  process.exit(2);
}
if (!['127.0.0.1', 'localhost'].includes(args.host)) {
  console.error('provider.mjs: --host must be 127.0.0.1 or localhost (loopback only)');
  process.exit(2);
}
const port = Number(args.port);
const issuer = `http://${args.host}:${port}`;

// A signing key of this run's own: the library's built-in development key is the same everywhere.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' };

async function findAccount(_ctx, id) {
  const email = String(id);
  return {
    accountId: email,
    async claims() {
      return {
        sub: email,
        email,
        email_verified: !email.startsWith('unverified'),
        name: `Test ${email.split('@')[0]}`,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: args['auth-method'],
    },
  ],
  clientAuthMethods: [args['auth-method']],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  conformIdTokenClaims: !args['claims-in-id-token'],
  findAccount,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: {
    devInteractions: { enabled: true },
  },
});

// The development pages import a web font from the internet: the tests' browser must reach
// nothing but loopback, so the pages may load styles written in them and nothing else.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.response.is('html')) {
    ctx.set('Content-Security-Policy', "style-src 'unsafe-inline'; font-src 'none'; img-src 'none'");
  }
});

provider.listen(port, args.host === 'localhost' ? '127.0.0.1' : args.host, () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
