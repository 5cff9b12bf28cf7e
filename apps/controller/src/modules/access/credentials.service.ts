import { createHmac, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { apiSecretMatches, deriveKey, ipInAnyCidr, parseApiKey } from '@wgfleet/domain';
import type { Repository } from 'typeorm';
import { ApiError } from '../../common/api-error';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { PubSubService } from '../../infra/pubsub.service';
import { ApiKeyEntity } from './api-key.entity';
import type { Principal } from './principal';

const ACCESS_TOKEN_PREFIX = 'wgfat_';
export const KEY_REVOKED_CHANNEL = 'api-key-revoked';
/** A lost revocation message can keep a deleted key alive on a replica for at most this long. */
const CACHE_TTL_MS = 30_000;
const CACHE_MAX = 10_000;

/** Turns a bearer credential (API key or OAuth access token) into a Principal, or refuses it. */
@Injectable()
export class CredentialsService {
  private readonly tokenKey: Buffer;
  /** Key rows by id: authenticating a request costs no database round trip on the hot path. */
  private readonly cache = new Map<string, { key: ApiKeyEntity; at: number }>();

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    pubsub: PubSubService,
  ) {
    // Access tokens are stateless (HMAC-signed), so every replica verifies them without a lookup table.
    this.tokenKey = deriveKey(config.masterKey, 'oauth access tokens');
    pubsub.subscribe(KEY_REVOKED_CHANNEL, (id) => this.cache.delete(id));
  }

  /** Forgets a key on this replica at once (others hear it through KEY_REVOKED_CHANNEL). */
  forget(id: string): void {
    this.cache.delete(id);
  }

  private async load(id: string): Promise<ApiKeyEntity | null> {
    const hit = this.cache.get(id);
    if (hit && Date.now() - hit.at < CACHE_TTL_MS) return hit.key;
    const key = await this.keys.findOneBy({ id });
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    if (key) this.cache.set(id, { key, at: Date.now() });
    else this.cache.delete(id);
    return key;
  }

  async authenticate(credential: string, sourceIp: string | null): Promise<Principal> {
    const keyId = credential.startsWith(ACCESS_TOKEN_PREFIX) ? this.verifyAccessToken(credential) : this.keyIdIfSecretMatches(credential);
    const key = keyId ? await this.load(keyId) : null;
    if (!key) throw ApiError.unauthorized('Invalid API key or access token');
    if (!credential.startsWith(ACCESS_TOKEN_PREFIX) && !apiSecretMatches(parseApiKey(credential)?.secret ?? '', key.secretHash)) {
      throw ApiError.unauthorized('Invalid API key or access token');
    }
    return this.admit(key, sourceIp);
  }

  /** OAuth 2.0 client credentials: client_id is the key id, client_secret its secret (or the whole key). */
  async issueAccessToken(clientId: string, clientSecret: string, sourceIp: string | null): Promise<{ token: string; expiresIn: number }> {
    const secret = parseApiKey(clientSecret)?.secret ?? clientSecret;
    const key = /^[0-9a-f]{16}$/.test(clientId) ? await this.load(clientId) : null;
    if (!key || !apiSecretMatches(secret, key.secretHash)) throw new ApiError(401, 'INVALID_CLIENT', 'Unknown client or wrong client secret');
    this.admit(key, sourceIp);
    const expiresIn = this.config.oauth.tokenTtlSeconds;
    const payload = Buffer.from(JSON.stringify({ kid: key.id, exp: Math.floor(Date.now() / 1000) + expiresIn })).toString('base64url');
    return { token: `${ACCESS_TOKEN_PREFIX}${payload}.${this.sign(payload)}`, expiresIn };
  }

  private admit(key: ApiKeyEntity, sourceIp: string | null): Principal {
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) throw ApiError.unauthorized('This API key has expired');
    if (key.allowedCidrs.length > 0 && !(sourceIp && ipInAnyCidr(sourceIp, key.allowedCidrs))) {
      throw ApiError.forbidden(`This API key may not be used from ${sourceIp ?? 'an unknown address'}`);
    }
    this.touch(key);
    return { keyId: key.id, name: key.name, role: key.role };
  }

  /** Records when a key was last used, at most once a minute per key (not a write per request). */
  private touch(key: ApiKeyEntity): void {
    const now = Date.now();
    if (key.lastUsedAt && now - key.lastUsedAt.getTime() < 60_000) return;
    key.lastUsedAt = new Date(now);
    void this.keys.update({ id: key.id }, { lastUsedAt: new Date(now) }).catch(() => undefined);
  }

  private keyIdIfSecretMatches(credential: string): string | null {
    return parseApiKey(credential)?.id ?? null;
  }

  private verifyAccessToken(token: string): string | null {
    const [payload, signature] = token.slice(ACCESS_TOKEN_PREFIX.length).split('.');
    if (!payload || !signature) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { kid?: unknown; exp?: unknown };
      if (typeof claims.kid !== 'string' || typeof claims.exp !== 'number' || claims.exp * 1000 <= Date.now()) return null;
      return claims.kid;
    } catch {
      return null;
    }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.tokenKey).update(payload).digest('base64url');
  }
}
