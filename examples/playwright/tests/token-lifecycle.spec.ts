// The example scenario: an admin signs in, finds a token with the search box, reads
// its three tabs, disables it through its row's menu and the confirm dialog, and the
// API refuses the token's secret from then on.
import { test, expect } from '@playwright/test';
import { ADMIN, workerToken } from './demo';
import { openDialog, signIn } from './portal';

test('an admin disables a token, and the API refuses its secret', async ({ page, request }, testInfo) => {
  const token = workerToken(testInfo.parallelIndex, 'lifecycle');
  await signIn(page, ADMIN);
  await expect(page.getByTestId('page-title')).toHaveText('Settings › API tokens');

  // Filter the list down to the one token.
  await page.getByTestId('filter-q').fill(token.name);
  await expect(page).toHaveURL(new RegExp(`\\?q=${token.name.replace(/ /g, '\\+')}$`));
  const row = page.getByTestId('token-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-token-id', token.id);
  await expect(row.getByTestId('token-status')).toHaveText('Active');

  // Its details, tab by tab; read its value on the General tab.
  await row.getByTestId('token-name').click();
  await expect(page.getByTestId('token-detail-id')).toHaveText(token.id);
  await expect(page.getByTestId('tab-panel')).toHaveAttribute('data-tab', 'general');
  await page.getByTestId('secret-show').click();
  await expect(page.getByTestId('secret-hide')).toBeVisible();
  const secret = (await page.getByTestId('token-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^tdk_/);

  await page.getByTestId('tab-modules').click();
  await expect(page.locator('[data-testid=tab-panel][data-tab=modules]')).toBeVisible();
  await expect(page.getByTestId('token-module').first()).toBeVisible();
  await expect(page.getByTestId('tab-modules')).toHaveAttribute('aria-current', 'page');

  await page.getByTestId('tab-details').click();
  await expect(page.locator('[data-testid=tab-panel][data-tab=details]')).toBeVisible();
  await expect(page.getByTestId('detail-disabled')).toHaveText('—');
  await expect(page.getByTestId('usage-chart')).toBeVisible();

  // The API takes the secret while the token is active.
  const before = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(before.status()).toBe(200);

  // Back to the list; disable it through the row's menu and the confirm dialog.
  await page.getByTestId('nav-tokens').click();
  await page.getByTestId('filter-q').fill(token.name);
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await row.getByTestId('token-actions').click();
  const menu = page.getByTestId('actions-menu');
  await expect(menu).toBeVisible();
  await expect(row.getByTestId('token-actions')).toHaveAttribute('aria-expanded', 'true');
  await menu.getByTestId('action-disable').click();
  const dialog = openDialog(page);
  await expect(dialog).toContainText(token.name);
  await dialog.getByTestId('confirm-submit').click();
  await expect(page.getByTestId('flash-message')).toContainText(`“${token.name}” is disabled`);
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');

  // Its status, in the row and on its page.
  await expect(row.getByTestId('token-status')).toHaveText('Disabled');
  await row.getByTestId('token-name').click();
  await expect(page.getByTestId('token-detail-status')).toHaveText('Disabled');

  // The API refuses the same secret now.
  const after = await request.get('/api/v1/whoami', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
  expect(await after.json()).toMatchObject({ reason: 'disabled' });
});
