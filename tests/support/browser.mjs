// Headless Chromium (Debian's) through playwright-core, and a page object for the signing flow.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT } from './stack.mjs';

const AXE_SOURCE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

/// `fakeCamera`: a Y4M file Chromium's fake camera shows (and camera permission granted).
export async function launch({ fakeCamera } = {}) {
  const camera = fakeCamera
    ? ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${fakeCamera}`]
    : [];
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', ...camera],
  });
}

/// A phone-sized page (360 px wide) in the given language. `isMobile` also makes the pointer
/// coarse, as a phone's is.
export async function phonePage(browser, locale = 'en-US', { isMobile = false } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 360, height: 740 }, hasTouch: true, isMobile });
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.consoleErrors.push(`${m.text()} @ ${m.location().url}`); });
  page.on('pageerror', (e) => page.consoleErrors.push(String(e)));
  return page;
}

/// Asserts the page fits its width (360 px for a phone): nothing to scroll sideways to.
export async function noSidewaysScroll(page, where) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  if (scroll > client) throw new Error(`${where} scrolls sideways at 360 px: ${scroll} > ${client}`);
}

/// The recipient's screens, found the way a person (or a screen reader) finds them.
export class SigningPage {
  constructor(page) {
    this.page = page;
  }

  open(url) {
    return this.page.goto(url);
  }

  screen(name) {
    return this.page.getByTestId(`screen-${name}`);
  }

  heading() {
    return this.page.getByRole('heading', { level: 1 });
  }

  async waitFor(name) {
    await this.screen(name).waitFor({ state: 'visible', timeout: 15000 });
  }

  async submitPassword(password, { label = 'Password', button = 'Verify' } = {}) {
    const field = this.page.getByLabel(label, { exact: true });
    await field.fill(password);
    await this.page.getByRole('button', { name: button, exact: true }).click();
  }

  alert() {
    return this.page.getByRole('alert');
  }

  /// axe-core's WCAG 2.x A/AA rules on the current screen. `evaluate` runs in the page without
  /// loosening its Content Security Policy.
  async axeViolations() {
    await this.page.evaluate(AXE_SOURCE);
    const result = await this.page.evaluate(() =>
      globalThis.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }));
    return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  }
}
