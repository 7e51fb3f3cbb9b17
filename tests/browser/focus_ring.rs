//! The keyboard focus ring can be seen wherever focus goes: in the dark top bar, on the
//! page, and on an item of an actions menu, its colour stands out by 3:1 or more
//! (WCAG 2.2, non-text contrast) from the ground around it and, on light grounds, from
//! white.

use thirtyfour::Key;

use crate::common::{DEMO_ADMIN_LOGIN, spawn_app};
use crate::harness::Browser;

/// The focused element's ring, measured in the page: its style, width, and contrast
/// with the ground it is drawn on (the element's own background for a ring drawn
/// inside it, the first opaque background around it otherwise) and with white.
const MEASURE_RING: &str = "(() => {
  const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const opaque = (el) => {
    for (; el; el = el.parentElement) {
      const colour = rgb(getComputedStyle(el).backgroundColor);
      if (colour.length === 3 || colour[3] === 1) return colour.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const inside = parseFloat(style.outlineOffset) < 0;
  const ring = rgb(style.outlineColor);
  const ground = opaque(inside ? el : el.parentElement);
  return {
    focused: el.getAttribute('data-testid') || el.className,
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    against_ground: contrast(ring, ground),
    against_white: contrast(ring, [255, 255, 255]),
    ground_is_dark: luminance(ground) < 0.2,
  };
})()";

/// Presses Tab until the element with `test_id` has focus.
async fn tab_to(browser: &Browser, test_id: &str) {
    for _ in 0..60 {
        browser.press(Key::Tab).await;
        let focused = browser
            .eval("document.activeElement.getAttribute('data-testid')")
            .await;
        if focused == test_id {
            return;
        }
    }
    panic!("Tab never reached {test_id}");
}

/// The ring on what has focus now is drawn, at least 2px wide, and stands out.
async fn assert_ring_stands_out(browser: &Browser, on: &str) {
    let ring = browser.eval(MEASURE_RING).await;
    assert_ne!(ring["style"], "none", "no ring on {on}: {ring}");
    assert!(ring["width"].as_f64().unwrap() >= 2.0, "{on}: {ring}");
    assert!(
        ring["against_ground"].as_f64().unwrap() >= 3.0,
        "{on}: the ring is too faint against its ground: {ring}"
    );
    if ring["ground_is_dark"] == false {
        assert!(
            ring["against_white"].as_f64().unwrap() >= 3.0,
            "{on}: the ring is too faint against white: {ring}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_focus_ring_stands_out_in_the_top_bar_on_the_page_and_in_a_menu() {
    let app = spawn_app().await;
    let browser = Browser::open(&app).await;
    browser.sign_in(DEMO_ADMIN_LOGIN).await;

    tab_to(&browser, "nav-tokens").await;
    assert_ring_stands_out(&browser, "a link in the top bar").await;
    tab_to(&browser, "create-token").await;
    assert_ring_stands_out(&browser, "Create token").await;
    tab_to(&browser, "token-actions").await;
    assert_ring_stands_out(&browser, "a row's ••• button").await;
    browser.press(Key::Enter).await;
    browser
        .wait_until("document.activeElement.getAttribute('data-testid') === 'action-edit'")
        .await;
    assert_ring_stands_out(&browser, "the menu's first item").await;
    browser.press(Key::Down).await;
    assert_ring_stands_out(&browser, "the menu's second item").await;
    browser.close().await;
}
