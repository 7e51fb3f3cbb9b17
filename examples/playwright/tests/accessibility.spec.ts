// axe-core on every page, tab, dialog and menu state, signed in as each role, at 1280
// and 390 px wide: any serious or critical violation fails, and so does a page without
// exactly one h1. Menus must also open inside the viewport. No demo token changes here
// (their dialogs are opened, then left): states after a change (created, rotated,
// disabled, bulk, revealed) act on tokens of the spec's own (own-tokens.ts), named
// uniquely, which no other spec looks for. The one other change is Other Inc's token
// policy, saved to list the tokens that break it; the run's closing reset undoes it.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import {
  ADMIN,
  ACTIVE_FIXTURE,
  DELETED_FIXTURE,
  DISABLED_FIXTURE,
  EXPIRED_FIXTURE,
  FOUND_IN_PUBLIC_FIXTURE,
  MEMBER,
  OTHER_ADMIN,
  SUPPORT,
  USED_FIXTURE,
  UNUSED_FIXTURE,
  type DemoToken,
  type Person,
} from './demo';
import { createOwnToken, rotateOwnToken, uniqueName } from './own-tokens';
import { htmxIdle, listSearchedFor, openDialog, signIn, watchHtmx } from './portal';

/** Fails on a page without exactly one h1 (a dialog's title is an h2 over the page's
 * h1, and the h1 of a dialog shown as a page), on any id used twice (axe no longer
 * rates that serious; a label or an aria-labelledby then points at the wrong element),
 * and on every serious or critical violation axe finds, each with its nodes. */
async function expectAccessible(page: Page): Promise<void> {
  await htmxIdle(page);
  expect(await page.locator('h1').allTextContents(), `h1s on ${page.url()}`).toHaveLength(1);
  const duplicated = await page.evaluate(() => {
    const seen = new Map<string, number>();
    document.querySelectorAll('[id]').forEach((el) => seen.set(el.id, (seen.get(el.id) || 0) + 1));
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  });
  expect(duplicated, `ids used twice on ${page.url()}`).toEqual([]);
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = bad.map(
    (v) => `${v.impact} ${v.id}: ${v.help}\n` + v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\n/g, ' ')}`).join('\n'),
  );
  expect(report, `axe on ${page.url()}`).toEqual([]);
}

/** The open menu lies wholly inside the viewport. */
async function expectMenuOnScreen(page: Page): Promise<void> {
  const menu = page.getByTestId('actions-menu');
  await expect(menu).toBeVisible();
  const box = await menu.boundingBox();
  const viewport = page.viewportSize();
  expect(box && viewport).toBeTruthy();
  if (!box || !viewport) return;
  expect(box.x, 'menu left edge').toBeGreaterThanOrEqual(0);
  expect(box.x + box.width, 'menu right edge').toBeLessThanOrEqual(viewport.width);
}

/** Opens a row's menu on the list searched for the token's id (older demo tokens are
 * not on the first page). */
async function openRowMenu(page: Page, tokenId: string): Promise<void> {
  await page.goto(`/settings/api-tokens?q=${tokenId}`);
  await page.locator(`[data-token-id="${tokenId}"] [data-testid=token-actions]`).click();
  await expectMenuOnScreen(page);
}

async function openRowDialog(page: Page, tokenId: string, action: string): Promise<void> {
  await openRowMenu(page, tokenId);
  await page.getByTestId(`action-${action}`).click();
  await expect(openDialog(page)).toBeVisible();
}

type State = { name: string; open: (page: Page) => Promise<void> };

const visit = (path: string) => async (page: Page) => void (await page.goto(path));

/** Each tab of a token's details; `shows`, a test id each of them has. */
const detailTabs = (tokenId: string, what = tokenId, shows?: string): State[] =>
  ['general', 'modules', 'details'].map((tab) => ({
    name: `details of ${what}, ${tab} tab`,
    open: async (page) => {
      await page.goto(`/settings/api-tokens/${tokenId}?tab=${tab}`);
      await expect(page.locator(`[data-testid=tab-panel][data-tab=${tab}]`)).toBeVisible();
      if (shows) await expect(page.getByTestId(shows)).toBeVisible();
    },
  }));

/** Makes `count` tokens of the spec's own and lists them (searched for their name). */
async function ownTokensListed(page: Page, count: number): Promise<DemoToken[]> {
  const prefix = uniqueName('a11y');
  const tokens: DemoToken[] = [];
  for (let i = 1; i <= count; i++) tokens.push(await createOwnToken(page.request, `${prefix} ${i}`));
  await listSearchedFor(page, prefix);
  await expect(page.getByTestId('token-row')).toHaveCount(count);
  return tokens;
}

/** Two tokens of the spec's own, listed and ticked for a bulk change. */
async function ownTokensTicked(page: Page): Promise<void> {
  for (const token of await ownTokensListed(page, 2)) {
    await page.locator(`[data-testid=token-select][data-token-id="${token.id}"]`).check();
  }
}

/** One token of the spec's own, rotated through the API an hour ago or less: its old
 * secret works for another day. */
async function ownTokenInGrace(page: Page): Promise<DemoToken> {
  const token = await createOwnToken(page.request, uniqueName('a11y rotated'));
  await rotateOwnToken(page.request, token.id, 86_400);
  return token;
}

/** The token policy page, its form sent with a value no choice offers (as only a
 * tampered form can): nothing is saved, the page says why. */
async function policySentWithAnError(page: Page): Promise<void> {
  await page.goto('/settings/token-policy');
  await page.getByTestId('policy-max-lifetime').evaluate((select: HTMLSelectElement) => {
    select.add(new Option('7 days', '7'));
    select.value = '7';
  });
  await page.getByTestId('policy-submit').click();
  await expect(page.locator('[data-testid=field-error][data-field=policy]')).toBeVisible();
}

const everyone: State[] = [
  { name: 'audit log', open: async (page) => void (await page.goto('/settings/audit')) },
  { name: 'sessions', open: async (page) => void (await page.goto('/settings/sessions')) },
  {
    name: 'not found',
    open: async (page) => {
      await page.goto('/settings/nowhere');
      await expect(page.getByTestId('not-found')).toBeVisible();
    },
  },
];

const ROLES: { role: string; who: Person; states: State[] }[] = [
  {
    role: 'admin',
    who: ADMIN,
    states: [
      { name: 'token list', open: visit('/settings/api-tokens') },
      { name: 'token policy', open: visit('/settings/token-policy') },
      { name: 'token policy, sent with an error', open: policySentWithAnError },
      {
        name: 'token list, searched',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('filter-q').fill('sync');
          await expect(page).toHaveURL(/\?q=sync$/);
        },
      },
      {
        name: 'token list, nothing matches',
        open: async (page) => {
          await page.goto('/settings/api-tokens?q=nothing-is-called-this');
          await expect(page.getByTestId('empty-state')).toBeVisible();
        },
      },
      {
        name: 'token list, second page',
        open: async (page) => {
          await page.goto('/settings/api-tokens?status=all');
          await page.getByTestId('page-next').click();
          await expect(page.getByTestId('page-status')).toContainText('Page 2');
        },
      },
      {
        name: 'token list, the tokens expiring soon (from the reminder)',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('expiry-reminder-link').click();
          await expect(page).toHaveURL(/\?status=active&expiring=7$/);
          await expect(page.getByTestId('token-expiry-hint').first()).toBeVisible();
        },
      },
      ...detailTabs(USED_FIXTURE.id),
      {
        name: `details of ${USED_FIXTURE.id}, the usage chart's numbers as a table`,
        open: async (page) => {
          await page.goto(`/settings/api-tokens/${USED_FIXTURE.id}?tab=details`);
          await page.getByTestId('usage-table-toggle').click();
          await expect(page.getByTestId('usage-table')).toBeVisible();
        },
      },
      ...detailTabs(UNUSED_FIXTURE.id),
      ...detailTabs(DISABLED_FIXTURE.id),
      ...detailTabs(EXPIRED_FIXTURE.id, 'an expired token'),
      ...detailTabs(DELETED_FIXTURE.id, 'a deleted token'),
      {
        name: 'details, the secret shown, then copied',
        open: async (page) => {
          const token = await createOwnToken(page.request, uniqueName('a11y shown'));
          await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
          await page.goto(`/settings/api-tokens/${token.id}`);
          await page.getByTestId('secret-show').click();
          await expect(page.getByTestId('secret-hide')).toBeVisible();
          await expect(page.getByTestId('token-secret')).toHaveText(/^tdk_/);
          await page.getByTestId('secret-copy').click();
          await expect(page.getByTestId('copied')).toBeVisible();
        },
      },
      {
        name: 'details while an old secret still works',
        open: async (page) => {
          const token = await ownTokenInGrace(page);
          await page.goto(`/settings/api-tokens/${token.id}`);
          await expect(page.getByTestId('old-secret-ends')).toBeVisible();
        },
      },
      { name: 'row menu of an active token', open: (page) => openRowMenu(page, ACTIVE_FIXTURE.id) },
      { name: 'row menu of a disabled token', open: (page) => openRowMenu(page, DISABLED_FIXTURE.id) },
      { name: 'row menu of an expired token', open: (page) => openRowMenu(page, EXPIRED_FIXTURE.id) },
      {
        name: 'details Actions menu',
        open: async (page) => {
          await page.goto(`/settings/api-tokens/${ACTIVE_FIXTURE.id}`);
          await page.getByTestId('detail-actions').click();
          await expectMenuOnScreen(page);
        },
      },
      {
        name: 'create dialog',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('create-token').click();
          await expect(openDialog(page).getByTestId('create-name')).toBeVisible();
        },
      },
      {
        name: 'create dialog shown again with its errors',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('create-token').click();
          await openDialog(page).getByTestId('create-submit').click();
          await expect(openDialog(page).getByTestId('field-error').first()).toBeVisible();
        },
      },
      {
        name: 'token created dialog',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('create-token').click();
          const dialog = openDialog(page);
          await dialog.getByTestId('create-name').fill(`a11y check ${test.info().project.name} ${Date.now()}`);
          await dialog.getByTestId('create-scope').selectOption('read');
          await dialog.getByTestId('create-module').first().check();
          await dialog.getByTestId('create-submit').click();
          await expect(openDialog(page).getByTestId('new-token-secret')).toBeVisible();
        },
      },
      { name: 'create form as a page', open: visit('/settings/api-tokens/new') },
      {
        name: 'create form as a page, sent with errors',
        open: async (page) => {
          await page.goto('/settings/api-tokens/new');
          await page.getByTestId('create-submit').click();
          await expect(page.getByTestId('field-error').first()).toBeVisible();
        },
      },
      { name: 'edit dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'edit') },
      {
        name: 'edit dialog shown again with its errors',
        open: async (page) => {
          await openRowDialog(page, ACTIVE_FIXTURE.id, 'edit');
          await openDialog(page).getByTestId('edit-name').fill('');
          await openDialog(page).getByTestId('edit-submit').click();
          await expect(openDialog(page).getByTestId('field-error').first()).toBeVisible();
        },
      },
      // Opened, not sent: rotating would replace the fixture's documented secret.
      { name: 'rotate dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'rotate') },
      {
        name: 'rotate dialog, warning of the earlier secret it stops',
        open: async (page) => {
          const token = await ownTokenInGrace(page);
          await openRowDialog(page, token.id, 'rotate');
          await expect(openDialog(page).getByTestId('rotate-earlier-secret')).toBeVisible();
        },
      },
      {
        name: 'token rotated dialog',
        open: async (page) => {
          const token = await createOwnToken(page.request, uniqueName('a11y rotate'));
          await openRowDialog(page, token.id, 'rotate');
          await openDialog(page).getByTestId('confirm-submit').click();
          await expect(openDialog(page).getByTestId('old-secret-note')).toBeVisible();
        },
      },
      {
        name: 'token list after a change, with its message',
        open: async (page) => {
          const token = await createOwnToken(page.request, uniqueName('a11y disable'));
          await openRowDialog(page, token.id, 'disable');
          await openDialog(page).getByTestId('confirm-submit').click();
          await expect(page.getByTestId('flash-message')).toContainText('is disabled');
          await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
        },
      },
      { name: 'token list, tokens ticked', open: ownTokensTicked },
      {
        name: 'bulk confirmation dialog',
        open: async (page) => {
          await ownTokensTicked(page);
          await page.getByTestId('bulk-disable').click();
          await expect(openDialog(page).getByTestId('bulk-confirm-list')).toBeVisible();
        },
      },
      {
        name: 'bulk result dialog',
        open: async (page) => {
          await ownTokensTicked(page);
          await page.getByTestId('bulk-disable').click();
          await openDialog(page).getByTestId('confirm-submit').click();
          await expect(openDialog(page).getByTestId('bulk-result')).toBeVisible();
        },
      },
      { name: 'disable dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'disable') },
      { name: 'delete dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'delete') },
      { name: 'enable dialog', open: (page) => openRowDialog(page, DISABLED_FIXTURE.id, 'enable') },
      { name: 'a dialog as a page, without htmx', open: visit(`/settings/api-tokens/${ACTIVE_FIXTURE.id}/disable`) },
      {
        name: 'audit log filtered by a token',
        open: async (page) => {
          const token = await createOwnToken(page.request, uniqueName('a11y audited'));
          await page.goto('/settings/audit');
          await page.getByTestId('audit-filter-token').fill(token.id);
          await page.getByTestId('audit-filter-token').press('Enter');
          await expect(page).toHaveURL(new RegExp(`\\?token=${token.id}$`));
          await expect(page.getByTestId('audit-row').first()).toBeVisible();
        },
      },
      ...everyone,
    ],
  },
  {
    role: 'Other Inc admin',
    who: OTHER_ADMIN,
    states: [
      {
        name: 'token list, with the reminder of a token found in public',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await expect(page.getByTestId('leak-reminder')).toBeVisible();
        },
      },
      {
        name: 'token list, the tokens found in public (from the reminder)',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await page.getByTestId('leak-reminder-link').click();
          await expect(page).toHaveURL(/\?status=disabled&leaked=1$/);
          await expect(page.getByTestId('token-row')).toHaveCount(1);
        },
      },
      ...detailTabs(FOUND_IN_PUBLIC_FIXTURE.id, 'a token found in public', 'found-in-public'),
      {
        name: 'token policy, with the tokens that break it',
        open: async (page) => {
          await page.goto('/settings/token-policy');
          await page.getByTestId('policy-max-lifetime').selectOption('90');
          await page.getByTestId('policy-expiry-required').check();
          await page.getByTestId('policy-submit').click();
          await expect(page.getByTestId('policy-breaking-row').first()).toBeVisible();
        },
      },
      ...everyone,
    ],
  },
  {
    role: 'support',
    who: SUPPORT,
    states: [
      { name: 'token list', open: async (page) => void (await page.goto('/settings/api-tokens')) },
      {
        name: 'token list, one account',
        open: async (page) => void (await page.goto('/settings/api-tokens?account=PA-2000-0002&status=all')),
      },
      ...detailTabs(USED_FIXTURE.id),
      {
        name: 'read-only refusal',
        open: async (page) => {
          await page.goto(`/settings/api-tokens/${ACTIVE_FIXTURE.id}/disable`);
          await expect(page.getByTestId('read-only')).toBeVisible();
        },
      },
      ...everyone,
    ],
  },
  {
    role: 'member',
    who: MEMBER,
    states: [
      {
        name: 'no API access',
        open: async (page) => {
          await page.goto('/settings/api-tokens');
          await expect(page.getByTestId('no-api-access')).toBeVisible();
        },
      },
      ...everyone,
    ],
  },
];

for (const width of [1280, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: width > 600 ? 900 : 844 } });

    test('sign-in page', async ({ page }) => {
      await watchHtmx(page);
      await page.goto('/login');
      await expectAccessible(page);
      await page.getByTestId('login-email').fill('nobody@demo.invalid');
      await page.getByTestId('login-password').fill('wrong');
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toBeVisible();
      await expectAccessible(page);
    });

    test('not found, signed out', async ({ page }) => {
      await watchHtmx(page);
      await page.goto('/nowhere');
      await expectAccessible(page);
    });

    for (const { role, who, states } of ROLES) {
      test.describe(`as ${role}`, () => {
        test.beforeEach(async ({ page }) => signIn(page, who));
        for (const state of states) {
          test(state.name, async ({ page }) => {
            await state.open(page);
            await expectAccessible(page);
          });
        }
      });
    }
  });
}
