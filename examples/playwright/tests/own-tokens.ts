// Tokens a spec makes for itself through the API (as the demo's Terraform provider,
// whose fixed secret may manage Demo Corp's tokens), so that it can change them without
// touching a demo token. Each name is unique to the call; find them by searching for it.
import { expect, type APIRequestContext } from '@playwright/test';
import type { DemoToken } from './demo';
import { TOKENS_ADMIN_SECRET } from './demo';

const AUTH = { Authorization: `Bearer ${TOKENS_ADMIN_SECRET}` };

/** A name no other call gets: `prefix` and a run-unique suffix. */
export function uniqueName(prefix: string): string {
  return `${prefix} ${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

/** A new active Demo Corp token named `name` (read scope, the Tokens module, no expiry). */
export async function createOwnToken(api: APIRequestContext, name: string): Promise<DemoToken> {
  const created = await api.post('/api/v1/tokens', {
    headers: AUTH,
    data: { name, scope: 'read', modules: ['tokens'] },
  });
  expect(created.status(), await created.text()).toBe(201);
  const body = await created.json();
  return { id: body.token.id, name };
}

/** Rotates the token through the API; its old secret keeps working for `graceSeconds`. */
export async function rotateOwnToken(api: APIRequestContext, id: string, graceSeconds: number): Promise<void> {
  const rotated = await api.post(`/api/v1/tokens/${id}/rotate`, { headers: AUTH, data: { grace_seconds: graceSeconds } });
  expect(rotated.status(), await rotated.text()).toBe(200);
}
