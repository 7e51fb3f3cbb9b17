// Everything by keyboard alone: search, tab through the list to a row's ••• control,
// open its menu with Enter and with Space, disable the token through the confirm
// dialog, close other dialogs with Escape and with Cancel, and find focus back on what
// opened them; create a token and find focus on its secret's Copy button.
import { test, expect, type Page } from '@playwright/test';
import { ADMIN, workerToken } from './demo';
import { uniqueName } from './own-tokens';
import { htmxIdle, listSearchedFor, openDialog, signIn } from './portal';

/** The focused element's test id, or its tag when it has none. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    return el.getAttribute('data-testid') || el.tagName.toLowerCase();
  });
}

/** Presses Tab until the focused element is `testId`, failing after `limit` presses. */
async function tabTo(page: Page, testId: string, limit = 40): Promise<string[]> {
  const path: string[] = [];
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    path.push(now);
    if (now === testId) return path;
  }
  throw new Error(`Tab never reached ${testId}; it went ${path.join(' → ')}`);
}

/** Presses ArrowDown in an open menu until `testId` has focus (a menu has at most five items). */
async function arrowTo(page: Page, testId: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    if ((await focused(page)) === testId) return;
    await page.keyboard.press('ArrowDown');
  }
  await expect.poll(() => focused(page)).toBe(testId);
}

/** Whether the focused element is the ••• control of this token's row. */
async function focusIsOnRowMenuButton(page: Page, tokenId: string): Promise<boolean> {
  return page.evaluate(
    (id) => document.activeElement === document.querySelector(`[data-token-id="${id}"] [data-testid=token-actions]`),
    tokenId,
  );
}

test('a keyboard alone finds a token, disables it, and focus returns to what opened each dialog', async ({ page }, testInfo) => {
  const token = workerToken(testInfo.parallelIndex, 'keyboard');
  await signIn(page, ADMIN);
  const row = page.locator(`[data-testid=token-row][data-token-id="${token.id}"]`);
  const trigger = row.getByTestId('token-actions');
  const menu = page.getByTestId('actions-menu');

  // Search: type into the box, wait for the one row.
  await tabTo(page, 'filter-q');
  await page.keyboard.type(token.name);
  await expect(page.getByTestId('token-row')).toHaveCount(1);
  await expect(row).toBeVisible();
  await htmxIdle(page);

  // Tab on through the filters and the table to the row's ••• control.
  const path = await tabTo(page, 'token-actions');
  expect(path).toContain('token-name');

  // Enter opens the menu, focus goes to its first item; Escape closes it and returns focus.
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await expect(trigger).toHaveAttribute('aria-expanded', 'true');
  await expect.poll(() => focused(page)).toBe('action-edit');
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(trigger).toHaveAttribute('aria-expanded', 'false');
  expect(await focusIsOnRowMenuButton(page, token.id)).toBe(true);

  // Space opens it too (the control is a link with role=button).
  await page.keyboard.press('Space');
  await expect(menu).toBeVisible();
  await expect.poll(() => focused(page)).toBe('action-edit');

  // Arrow keys to Disable, Enter opens the confirm dialog.
  await arrowTo(page, 'action-disable');
  await page.keyboard.press('Enter');
  const dialog = openDialog(page);
  await expect(dialog).toContainText(token.name);
  await htmxIdle(page);
  // Focus starts inside the dialog; Tab to the confirm button and press Enter.
  expect(await page.evaluate(() => !!document.activeElement?.closest('dialog#modal'))).toBe(true);
  if ((await focused(page)) !== 'confirm-submit') await tabTo(page, 'confirm-submit', 5);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('flash-message')).toContainText(`“${token.name}” is disabled`);
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
  await expect(row.getByTestId('token-status')).toHaveText('Disabled');
  // The row was replaced; focus is on its new ••• control, not lost on the page.
  await expect.poll(() => focusIsOnRowMenuButton(page, token.id)).toBe(true);

  // Another dialog from the same menu (Delete), closed with Escape, then with its
  // Cancel button: nothing changes, and each time focus is back on the ••• control.
  for (const close of ['Escape', 'Cancel']) {
    await page.keyboard.press('Enter');
    await expect(menu.getByTestId('action-enable')).toBeFocused();
    await arrowTo(page, 'action-delete');
    await page.keyboard.press('Enter');
    await expect(openDialog(page)).toBeVisible();
    await htmxIdle(page);
    if (close === 'Cancel') {
      if ((await focused(page)) !== 'confirm-cancel') await tabTo(page, 'confirm-cancel', 5);
      await page.keyboard.press('Enter');
    } else {
      await page.keyboard.press('Escape');
    }
    await expect(page.locator('dialog#modal'), `closed with ${close}`).not.toHaveAttribute('open');
    await expect(menu).toHaveCount(0);
    await expect.poll(() => focusIsOnRowMenuButton(page, token.id), `focus after ${close}`).toBe(true);
    await expect(row.getByTestId('token-status')).toHaveText('Disabled');
  }

  // Create token, reached by Tab from the top of the page: Enter opens its dialog,
  // Escape closes it, focus is back on the button.
  await page.reload();
  await tabTo(page, 'create-token');
  await page.keyboard.press('Enter');
  await expect(openDialog(page).getByTestId('create-name')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
  await expect(page.getByTestId('create-token')).toBeFocused();
});

/** From the list's top, creates a token named `name` by keyboard alone (Read only, its
 * first module, no expiry), and waits for the "Token created" dialog. */
async function createByKeyboard(page: Page, name: string): Promise<void> {
  await tabTo(page, 'create-token');
  await page.keyboard.press('Enter');
  await expect(openDialog(page).getByTestId('create-name')).toBeFocused();
  await page.keyboard.type(name);
  await tabTo(page, 'create-module', 6);
  await page.keyboard.press('Space');
  await tabTo(page, 'create-submit', 20);
  await page.keyboard.press('Enter');
  await expect(openDialog(page).getByTestId('new-token-secret')).toBeVisible();
}

test('a keyboard alone creates a token: its dialog starts on Copy, Escape and Done leave it', async ({ page }) => {
  await signIn(page, ADMIN);

  // Focus is inside the "Token created" dialog, on Copy; Escape gives it back to the
  // Create token button.
  await createByKeyboard(page, uniqueName('kbd escape'));
  await expect(openDialog(page).getByTestId('secret-copy')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
  await expect(page.getByTestId('create-token')).toBeFocused();

  // Done is the next stop after Copy: Enter on it loads the list, which has the token,
  // with focus at the top of the new page as after any page load.
  const name = uniqueName('kbd done');
  await page.reload();
  await createByKeyboard(page, name);
  await expect(openDialog(page).getByTestId('secret-copy')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(openDialog(page).getByTestId('created-done')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/\/settings\/api-tokens$/);
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
  expect(await focused(page)).toBe('body');
  await listSearchedFor(page, name);
  await expect(page.getByTestId('token-name')).toHaveText(name);
});

test('the details page Actions control opens its menu with Space, and Escape returns focus', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/settings/api-tokens/TK-1000-0000-0002');
  const actions = page.getByTestId('detail-actions');
  await actions.focus();
  await page.keyboard.press('Space');
  await expect(page.getByTestId('actions-menu')).toBeVisible();
  await expect.poll(() => focused(page)).toBe('action-edit');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('actions-menu')).toHaveCount(0);
  await expect(actions).toBeFocused();
  // Enter, an item, then Escape on its dialog: focus back on Actions.
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('action-edit')).toBeFocused();
  await page.keyboard.press('Enter'); // Edit
  await expect(openDialog(page).getByTestId('edit-name')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.locator('dialog#modal')).not.toHaveAttribute('open');
  await expect(actions).toBeFocused();
});
