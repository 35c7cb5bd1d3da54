// A passkey authenticator in Node, for the worker's tests: it answers the options the worker
// gives exactly as a browser and a platform authenticator would (WebAuthn Level 3: a "none"
// attestation object in CBOR, a COSE key, authenticator data with its flags and counter, a
// DER ECDSA or PKCS#1 v1.5 signature over the authenticator data and the client data's hash).
// Chromium's virtual authenticator plays this part in the browser tests.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;
/// Backup eligible and backed up: a synced passkey (a password manager's, a phone's cloud).
const BE = 0x08;
const BS = 0x10;

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/// CBOR (RFC 8949) of integers, byte strings, text and maps: all a WebAuthn answer needs.
export function cbor(value) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
    if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const text = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, text.length), text]);
  }
  if (Buffer.isBuffer(value)) return Buffer.concat([head(2, value.length), value]);
  if (value instanceof Map) {
    const parts = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return Buffer.concat(parts);
  }
  throw new Error(`no CBOR for ${value}`);
}

export class SoftAuthenticator {
  /// `alg`: 'ES256' or 'RS256'; `verifyUser`: whether it checks the user (a PIN, a fingerprint);
  /// `synced`: a multi-device passkey (else bound to this authenticator).
  constructor({ alg = 'ES256', verifyUser = true, synced = false } = {}) {
    this.synced = synced;
    this.alg = alg;
    this.verifyUser = verifyUser;
    this.counter = 0;
    const pair = alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicJwk = pair.publicKey.export({ format: 'jwk' });
    this.credentialId = randomBytes(32);
  }

  /// The COSE_Key of the credential's public key.
  coseKey() {
    const raw = (field) => Buffer.from(this.publicJwk[field], 'base64url');
    return this.alg === 'ES256'
      ? new Map([[1, 2], [3, -7], [-1, 1], [-2, raw('x')], [-3, raw('y')]])
      : new Map([[1, 3], [3, -257], [-1, raw('n')], [-2, raw('e')]]);
  }

  flags(extra = 0) {
    return UP | (this.verifyUser ? UV : 0) | (this.synced ? BE | BS : 0) | extra;
  }

  authenticatorData(rpId, flags, extra = Buffer.alloc(0)) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(this.counter);
    return Buffer.concat([sha256(Buffer.from(rpId)), Buffer.from([flags]), counter, extra]);
  }

  static clientData(type, challenge, origin) {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /// `navigator.credentials.create` for `options` (the worker's PasskeyCreation) at `origin`.
  create(options, origin, { clientData } = {}) {
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, cbor(this.coseKey())]);
    const authData = this.authenticatorData(options.rp_id, this.flags(AT), attested);
    const object = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    const client = clientData ?? SoftAuthenticator.clientData('webauthn.create', options.challenge, origin);
    return { challenge: options.challenge, client_data_json: b64url(client), attestation_object: b64url(object) };
  }

  /// `navigator.credentials.get` for `options` (the worker's PasskeyRequest) at `origin`. The
  /// counter goes up by one unless `counter` sets it (a clone answers with a stale one).
  get(options, origin, { counter, clientData, rpId } = {}) {
    this.counter = counter ?? this.counter + 1;
    const authData = this.authenticatorData(rpId ?? options.rp_id, this.flags());
    const client = clientData ?? SoftAuthenticator.clientData('webauthn.get', options.challenge, origin);
    const signature = sign('sha256', Buffer.concat([authData, sha256(client)]), this.privateKey);
    return {
      challenge: options.challenge,
      credential_id: b64url(this.credentialId),
      client_data_json: b64url(client),
      authenticator_data: b64url(authData),
      signature: b64url(signature),
    };
  }
}
