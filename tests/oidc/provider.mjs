// A real OpenID Connect provider for the tests: oidc-provider (npm; OpenID Certified), on
// 127.0.0.1 at a port the OS picks, printed as the first line of stdout.
//
//   node provider.mjs --modules DIR --redirect URI --key PEM [--other-client ID]
//
// One client, `heartland` (secret `heartland-secret`, client_secret_basic, PKCE required),
// redirecting to URI; the signing key is the RSA key in PEM. The login page is this script's:
// any address signs in as itself (email verified), and ticking "mfa" puts `otp` in the ID
// token's `amr` — as a municipality's provider that asked a second factor would.

import http from "node:http";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const { default: Provider } = await import(pathToFileURL(path.join(args.modules, "oidc-provider", "lib", "index.js")).href);
const jwk = crypto.createPrivateKey(fs.readFileSync(args.key)).export({ format: "jwk" });
jwk.kid = "test-key";
jwk.use = "sig";
jwk.alg = "RS256";

const server = http.createServer();
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "heartland",
      client_secret: "heartland-secret",
      redirect_uris: [args.redirect],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile"],
  claims: { acr: null, openid: ["sub", "amr"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ["heartland-test-cookie-key"] },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, email: id, email_verified: true, name: id.split("@")[0] }),
  }),
  conformIdTokenClaims: false,
});
provider.proxy = false;

function escape(s) {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function body(req) {
  let data = "";
  for await (const chunk of req) data += chunk;
  return new URLSearchParams(data);
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  try {
    const m = req.url.match(/^\/interaction\/([^/?]+)(\/login)?/);
    if (!m) return callback(req, res);
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      return res.end(`<!DOCTYPE html><html lang="en"><head><title>Test provider</title></head><body>
<main><h1>Test identity provider</h1>
<form method="post" action="/interaction/${escape(details.uid)}/login">
<label for="login">Email</label> <input id="login" name="login" type="email">
<label><input id="mfa" name="mfa" type="checkbox" value="yes"> mfa</label>
<button type="submit" id="provider-sign-in">Sign in</button></form></main></body></html>`);
    }
    const form = await body(req);
    const accountId = form.get("login");
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope("openid email profile");
    const grantId = await grant.save();
    const amr = form.get("mfa") === "yes" ? ["pwd", "otp"] : ["pwd"];
    await provider.interactionFinished(req, res, { login: { accountId, amr }, consent: { grantId } }, { mergeWithLastSubmission: false });
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
});

console.log(server.address().port);
// The test reads the port and closes stdout: anything the provider says later goes to stderr.
console.log = console.info = (...parts) => process.stderr.write(parts.join(" ") + "\n");
process.stdout.on("error", () => {});
