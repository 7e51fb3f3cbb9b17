// Steps every spec shares: signing in through the form and waiting for htmx to settle.
import { expect, type Page } from '@playwright/test';
import type { Person } from './demo';

/** Counts htmx requests in flight, from the first navigation on (docs/testing.md, Waiting). */
export async function watchHtmx(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __htmxInFlight: number };
    w.__htmxInFlight = 0;
    document.addEventListener('htmx:beforeRequest', () => w.__htmxInFlight++);
    document.addEventListener('htmx:afterRequest', () => w.__htmxInFlight--);
  });
}

/** Waits until no htmx request runs and nothing is swapping or settling. */
export async function htmxIdle(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      (window as unknown as { __htmxInFlight: number }).__htmxInFlight === 0 &&
      !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling'),
  );
}

/** Signs in through the sign-in form and waits for the signed-in header. */
export async function signIn(page: Page, who: Person): Promise<void> {
  await watchHtmx(page);
  await page.goto('/login');
  await page.getByTestId('login-email').fill(who.email);
  await page.getByTestId('login-password').fill(who.password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('current-user')).toHaveText(who.name);
}

/** The open dialog's content (`dialog#modal[open]`). */
export function openDialog(page: Page) {
  return page.locator('dialog#modal[open] [data-testid=modal]');
}

/** Goes to the token list searched for `text`, and waits for its rows. */
export async function listSearchedFor(page: Page, text: string): Promise<void> {
  await page.goto(`/settings/api-tokens?q=${encodeURIComponent(text).replace(/%20/g, '+')}`);
  await expect(page.getByTestId('tokens-table')).toBeVisible();
}
