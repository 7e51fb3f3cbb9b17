// axe-core on every page, tab, dialog and menu state, signed in as each role, at 1280
// and 390 px wide: any serious or critical violation fails. Menus must also open
// inside the viewport. Nothing here changes a demo token (dialogs are opened, then
// left); the "Token created" state adds a token of its own, named uniquely, which no
// other spec looks for.
import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { ADMIN, ACTIVE_FIXTURE, DISABLED_FIXTURE, MEMBER, SUPPORT, USED_FIXTURE, UNUSED_FIXTURE, type Person } from './demo';
import { htmxIdle, openDialog, signIn, watchHtmx } from './portal';

/** Fails on any id used twice (axe no longer rates that serious; a label or an
 * aria-labelledby then points at the wrong element), and on every serious or critical
 * violation axe finds, each with its nodes. */
async function expectAccessible(page: Page): Promise<void> {
  await htmxIdle(page);
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

const detailTabs = (tokenId: string): State[] =>
  ['general', 'modules', 'details'].map((tab) => ({
    name: `details ${tokenId}, ${tab} tab`,
    open: async (page) => {
      await page.goto(`/settings/api-tokens/${tokenId}?tab=${tab}`);
      await expect(page.locator(`[data-testid=tab-panel][data-tab=${tab}]`)).toBeVisible();
    },
  }));

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
      { name: 'token list', open: async (page) => void (await page.goto('/settings/api-tokens')) },
      { name: 'token policy', open: async (page) => void (await page.goto('/settings/token-policy')) },
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
        name: `details ${USED_FIXTURE.id}, the usage chart's numbers as a table`,
        open: async (page) => {
          await page.goto(`/settings/api-tokens/${USED_FIXTURE.id}?tab=details`);
          await page.getByTestId('usage-table-toggle').click();
          await expect(page.getByTestId('usage-table')).toBeVisible();
        },
      },
      ...detailTabs(UNUSED_FIXTURE.id),
      ...detailTabs(DISABLED_FIXTURE.id),
      { name: 'details of a deleted token', open: async (page) => void (await page.goto('/settings/api-tokens/TK-1000-0000-0012?tab=details')) },
      { name: 'row menu of an active token', open: (page) => openRowMenu(page, ACTIVE_FIXTURE.id) },
      { name: 'row menu of a disabled token', open: (page) => openRowMenu(page, DISABLED_FIXTURE.id) },
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
      {
        name: 'create form as a page, sent with errors',
        open: async (page) => {
          await page.goto('/settings/api-tokens/new');
          await page.getByTestId('create-submit').click();
          await expect(page.getByTestId('field-error').first()).toBeVisible();
        },
      },
      { name: 'edit dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'edit') },
      // Opened, not sent: rotating would replace the fixture's documented secret. The
      // "Token rotated" dialog is the "Token created" one, checked above.
      { name: 'rotate dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'rotate') },
      { name: 'disable dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'disable') },
      { name: 'delete dialog', open: (page) => openRowDialog(page, ACTIVE_FIXTURE.id, 'delete') },
      { name: 'enable dialog', open: (page) => openRowDialog(page, DISABLED_FIXTURE.id, 'enable') },
      {
        name: 'dialogs as pages, without htmx',
        open: async (page) => void (await page.goto(`/settings/api-tokens/${ACTIVE_FIXTURE.id}/disable`)),
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
