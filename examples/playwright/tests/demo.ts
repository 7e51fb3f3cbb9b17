// The documented demo (docs/testing.md): its people, the tokens each worker owns,
// the fixed secrets, and the reset every run starts and ends with.
import { request } from '@playwright/test';

export const BASE_URL = process.env.TOKENDESK_URL || 'http://127.0.0.1:8080';

export type Person = { email: string; password: string; name: string };

export const ADMIN: Person = { email: 'admin@demo.test', password: 'demo-admin', name: 'Avery Admin' };
export const MEMBER: Person = { email: 'member@demo.test', password: 'demo-member', name: 'Morgan Member' };
export const SUPPORT: Person = { email: 'support@demo.test', password: 'demo-support', name: 'Sam Support' };
export const OTHER_ADMIN: Person = { email: 'admin@other.test', password: 'demo-other', name: 'Olive Other' };

export type DemoToken = { id: string; name: string };

/** Worker N (Playwright's parallelIndex) may change these; twelve, in the documented order. */
export const WORKER_TOKENS: DemoToken[] = [
  { id: 'TK-1000-0000-0005', name: 'Customer portal backend' },
  { id: 'TK-1000-0000-0006', name: 'Catalog importer' },
  { id: 'TK-1000-0000-0007', name: 'Zapier integration' },
  { id: 'TK-1000-0000-0010', name: 'Support dashboard' },
  { id: 'TK-1000-0000-0015', name: 'Mobile app backend' },
  { id: 'TK-1000-0000-0016', name: 'Webhook relay' },
  { id: 'TK-1000-0000-0017', name: 'Invoice mailer' },
  { id: 'TK-1000-0000-0022', name: 'Marketing site' },
  { id: 'TK-1000-0000-0024', name: 'Revenue forecast' },
  { id: 'TK-1000-0000-0026', name: 'Search indexer' },
  { id: 'TK-1000-0000-0027', name: 'Fraud screening' },
  { id: 'TK-1000-0000-0028', name: 'Inventory feed' },
];

/** Each spec that changes a token takes its own share of the worker's tokens. */
export type Use = 'lifecycle' | 'keyboard';
const USES: Use[] = ['lifecycle', 'keyboard'];

export function workerToken(parallelIndex: number, use: Use): DemoToken {
  const index = parallelIndex + USES.indexOf(use) * (WORKER_TOKENS.length / USES.length);
  if (parallelIndex >= WORKER_TOKENS.length / USES.length || !WORKER_TOKENS[index]) {
    throw new Error(`worker ${parallelIndex} has no demo token for ${use}: run at most ${WORKER_TOKENS.length / USES.length} workers`);
  }
  return WORKER_TOKENS[index];
}

/** Read-only fixtures: look, never change. */
export const ACTIVE_FIXTURE: DemoToken = { id: 'TK-1000-0000-0002', name: 'Billing sync' };
export const DISABLED_FIXTURE: DemoToken = { id: 'TK-1000-0000-0011', name: 'Legacy CRM bridge' };
export const USED_FIXTURE: DemoToken = { id: 'TK-1000-0000-0003', name: 'Usage reporter' };
export const UNUSED_FIXTURE: DemoToken = { id: 'TK-1000-0000-0019', name: 'Analytics collector' };
export const DELETED_FIXTURE: DemoToken = { id: 'TK-1000-0000-0012', name: 'Old staging key' };
export const EXPIRED_FIXTURE: DemoToken = { id: 'TK-1000-0000-0013', name: 'Q3 audit script' };
/** Other Inc's, disabled when a secret scanner found its secret in public. */
export const FOUND_IN_PUBLIC_FIXTURE: DemoToken = { id: 'TK-2000-0000-0003', name: 'Other Inc old key' };

/** A fixed secret the API always accepts (TK-1000-0000-0004, read, Reports). */
export const ACCEPTED_SECRET = 'tdk_D10004PublicDemoSecretTestOnly2Myfjj';

/** The fixed secret of TK-1000-0000-0008 (admin scope, the Tokens module): it may
 * create, rotate and change Demo Corp tokens through `/api/v1/tokens`. */
export const TOKENS_ADMIN_SECRET = 'tdk_D10008PublicDemoSecretTestOnly1aWOTr';

/** `POST /demo/reset`: the demo accounts back in their first state. */
export async function resetDemo(): Promise<void> {
  const api = await request.newContext({ baseURL: BASE_URL });
  try {
    const reset = await api.post('/demo/reset', { data: {} }); // sends application/json
    if (!reset.ok()) throw new Error(`demo reset: ${reset.status()} ${await reset.text()}`);
  } finally {
    await api.dispose();
  }
}
