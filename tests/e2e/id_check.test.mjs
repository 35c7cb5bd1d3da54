// The government-ID check in headless Chromium: a desktop hands off to a phone (SMS and QR code)
// and follows it live; the phone photographs a licence with Chromium's fake camera (fed a
// generated picture of a licence's back, whose barcode the Veriff stand-in really reads),
// retaking one photo; a phone without a usable camera falls back to its camera app; en/de/ru;
// axe-clean at 360 px.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import zx from '@zxing/library';
import jpeg from 'jpeg-js';
import { launch, noSidewaysScroll, phonePage, SigningPage } from '../support/browser.mjs';
import { licenceBackPixels, plainJpeg } from '../support/id_images.mjs';
import { Stack } from '../support/stack.mjs';
import { startVeriff } from '../support/veriff.mjs';
import { writeY4m } from '../support/y4m.mjs';

/// Reads the QR code on the screen as a phone's camera would: from a screenshot. zxing-js's finder
/// misses a few in a hundred perfectly drawn codes (the same links fail on a bitmap drawn without
/// any browser), so a code it cannot find is read again as the whole picture, which it is.
async function readQr(locator) {
  const shot = await locator.screenshot({ type: 'jpeg', quality: 100 });
  const { data, width, height } = jpeg.decode(shot, { useTArray: true });
  const luminance = new Uint8ClampedArray(width * height);
  for (let i = 0; i < luminance.length; i++) {
    luminance[i] = (data[i * 4] + data[i * 4 + 1] + data[i * 4 + 2]) / 3;
  }
  const bitmap = new zx.BinaryBitmap(new zx.HybridBinarizer(new zx.RGBLuminanceSource(luminance, width, height)));
  try {
    return new zx.QRCodeReader().decode(bitmap).getText();
  } catch {
    const whole = new Map([[zx.DecodeHintType.PURE_BARCODE, true]]);
    return new zx.QRCodeReader().decode(bitmap, whole).getText();
  }
}

describe('the ID check in Chromium with a fake camera, the Veriff stand-in and local R2', () => {
  let veriff;
  let stack;
  let admin;
  let browser;
  let dir;

  before(async () => {
    veriff = await startVeriff();
    stack = new Stack({ vars: veriff.workerVars() });
    await stack.start();
    veriff.webhookTo(`${stack.origin}/api/v1/webhooks/veriff`);
    admin = stack.admin();
    dir = mkdtempSync(path.join(tmpdir(), 'signgate-camera-'));
    const { data, width, height } = licenceBackPixels(undefined, { frame: [640, 480] });
    const video = path.join(dir, 'licence.y4m');
    writeY4m(video, data, width, height);
    browser = await launch({ fakeCamera: video });
  });
  after(async () => {
    await browser?.close();
    await stack?.dispose();
    await veriff?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signingUrl({ phone } = {}) {
    const accountId = `id-${Math.random().toString(36).slice(2)}`;
    await admin.putAccount(accountId, {
      name: 'Acme Bank',
      policy: { methods: { allowed: ['government_id'], default: 'government_id' } },
    });
    const created = await admin.createAgreement({
      account_id: accountId,
      title: 'Loan agreement',
      sender: { name: 'Sam Sender', email: 'sam@bank.example' },
      recipients: [{ name: 'Ada Lovelace', email: 'ada@example.com', method: 'government_id', ...(phone ? { phone } : {}) }],
    });
    signingUrl.lastAgreement = created.id;
    return created.recipients[0].signing_url;
  }

  /// Photographs the shot on screen with the live camera and uses it.
  async function takeAndUse(page, { retake = false } = {}) {
    // Enabled once the camera shows frames.
    const take = page.getByRole('button', { name: 'Take photo' });
    await take.click();
    if (retake) {
      await page.getByRole('button', { name: 'Retake' }).click();
      await take.click();
    }
    const shot = await page.getByTestId('screen-id-shot').getAttribute('data-shot');
    await page.getByRole('button', { name: 'Use this photo' }).click();
    return shot;
  }

  test('a desktop hands off by SMS and QR code, follows the phone live, and ends verified with the name locked', async () => {
    const url = await signingUrl({ phone: '+15550100777' });
    const desktop = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const deskPage = await desktop.newPage();
    const desk = new SigningPage(deskPage);
    await desk.open(url);
    await desk.waitFor('id-desktop');
    assert.equal(new URL(deskPage.url()).pathname, '/id/');
    assert.equal(new URL(deskPage.url()).hash, '', 'the token left the address');
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the hand-off screen');
    await deskPage.getByRole('button', { name: 'Send the link to my phone' }).click();
    await deskPage.getByRole('status').filter({ hasText: 'We sent a link to …0777' }).waitFor();
    const sms = (await stack.outbox()).find((m) => m.to === '+15550100777');
    const link = sms.body.match(/https?:\/\/\S+/)[0];
    const qr = deskPage.getByRole('img', { name: 'QR code of the link for your phone' });
    assert.equal(await readQr(qr), link, 'the QR code holds the link the SMS carries');
    assert.deepEqual(await desk.axeViolations(), [], 'axe with the QR code');

    const phone = await phonePage(browser, 'en-US', { isMobile: true });
    const p = new SigningPage(phone);
    await phone.goto(link);
    await p.waitFor('id-document');
    await deskPage.getByText('The link was opened on your phone.').waitFor();
    await noSidewaysScroll(phone, 'the document choice');
    assert.deepEqual(await p.axeViolations(), [], 'axe on the document choice');
    await phone.getByLabel('Driving licence').check();
    await phone.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await takeAndUse(phone), 'document_front');
    await p.waitFor('id-shot');
    assert.deepEqual(await p.axeViolations(), [], 'axe on the camera screen');
    await noSidewaysScroll(phone, 'the camera screen');
    await deskPage.getByText('1 of 4 photos received.').waitFor();
    assert.equal(await takeAndUse(phone, { retake: true }), 'document_back');
    assert.equal(await takeAndUse(phone), 'face');
    assert.equal(await takeAndUse(phone), 'face_turned');
    await p.waitFor('id-passed');
    assert.match(await phone.textContent('main'), /Go back to your computer/);
    await desk.waitFor('id-passed');
    assert.match(await deskPage.locator('#signature-name').textContent(), /ADA KING LOVELACE/);
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the result');
    const [session] = [...veriff.sessions.values()].slice(-1);
    assert.deepEqual(session.media.map((m) => m.context), ['document-front', 'document-back', 'face', 'face-pre']);
    assert.equal(stack.r2Objects(), 0, 'no photo is left in R2');
    assert.deepEqual([...deskPage.consoleErrors ?? [], ...phone.consoleErrors], []);
    await desktop.close();
    await phone.context().close();
  });

  test('a phone opening the signing link goes straight to the photos; a failed check says what to do (in German)', async () => {
    veriff.script({ status: 'declined', reasonCode: 103 });
    const phone = await phonePage(browser, 'de-DE', { isMobile: true });
    const p = new SigningPage(phone);
    await phone.goto(await signingUrl());
    await p.waitFor('id-document');
    assert.equal(await p.heading().textContent(), 'Fotografieren Sie Ihren Ausweis');
    await phone.getByRole('button', { name: 'Weiter' }).click();
    for (let i = 0; i < 3; i++) {
      await phone.getByRole('button', { name: 'Foto aufnehmen' }).click();
      await phone.getByRole('button', { name: 'Dieses Foto verwenden' }).click();
    }
    await p.waitFor('id-failed');
    assert.match(await phone.locator('#id-failure').textContent(), /Selfie passte nicht/);
    assert.match(await phone.textContent('main'), /Noch 4 Versuche/);
    assert.deepEqual(await p.axeViolations(), [], 'axe on the failure');
    await phone.getByRole('button', { name: 'Erneut versuchen' }).click();
    await p.waitFor('id-document');
    await phone.context().close();
  });

  test('a sender previews the check in German: the real screens, the sandbox\'s name, nothing sent or kept', async () => {
    const accountId = 'id-preview';
    await admin.putAccount(accountId, { name: 'Acme Bank', policy: { methods: { allowed: ['government_id'], default: 'government_id' } } });
    const { preview_url: url } = await admin.request('POST', '/previews', { account_id: accountId, method: 'government_id', language: 'de' });
    const sessions = veriff.sessions.size;
    const outbox = (await stack.outbox()).length;
    // On a desktop: the phone link is a QR code of the same preview; nothing is sent.
    const desktop = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
    const deskPage = await desktop.newPage();
    const desk = new SigningPage(deskPage);
    await desk.open(url);
    await desk.waitFor('id-desktop');
    assert.match(await deskPage.getByTestId('preview-banner').textContent(), /Vorschau/);
    await deskPage.getByRole('button', { name: 'Link an mein Telefon senden' }).click();
    const qr = deskPage.getByRole('img', { name: 'QR-Code des Links für Ihr Telefon' });
    const link = await readQr(qr);
    assert.match(link, /\/id\/#s=p1\./, 'the phone opens the same preview');
    assert.deepEqual(await desk.axeViolations(), [], 'axe on the previewed hand-off');
    await desktop.close();
    // On a phone: through the photos to the end.
    const phone = await phonePage(browser, 'de-DE', { isMobile: true });
    const p = new SigningPage(phone);
    await phone.goto(link);
    await p.waitFor('id-document');
    await phone.getByRole('button', { name: 'Weiter' }).click();
    for (let i = 0; i < 3; i++) {
      await phone.getByRole('button', { name: 'Foto aufnehmen' }).click();
      await phone.getByRole('button', { name: 'Dieses Foto verwenden' }).click();
    }
    await p.waitFor('id-passed');
    assert.match(await phone.locator('#signature-name').textContent(), /ALEX EXAMPLE/);
    assert.equal(veriff.sessions.size, sessions, 'no provider was asked');
    assert.equal((await stack.outbox()).length, outbox, 'no message was sent');
    assert.equal(stack.r2Objects(), 0, 'no photo was kept');
    await phone.context().close();
  });

  test('without getUserMedia (an in-app browser) the camera app gives the photos, sent as not live (in Russian)', async () => {
    const phone = await phonePage(browser, 'ru-RU', { isMobile: true });
    await phone.addInitScript(() => { delete Navigator.prototype.mediaDevices; });
    const p = new SigningPage(phone);
    await phone.goto(await signingUrl());
    await p.waitFor('id-document');
    await phone.getByRole('button', { name: 'Продолжить' }).click();
    const picture = { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(plainJpeg(1200, 800, 190)) };
    for (let i = 0; i < 3; i++) {
      await phone.getByText('В этом браузере камера недоступна.', { exact: false }).waitFor();
      if (i === 0) assert.deepEqual(await p.axeViolations(), [], 'axe on the fallback');
      await phone.setInputFiles('#picture', picture);
      await phone.getByRole('button', { name: 'Использовать это фото' }).click();
    }
    await p.waitFor('id-passed');
    const events = await admin.audit(signingUrl.lastAgreement);
    assert.equal(events.find((e) => e.type === 'id_check_submitted').live, false, 'recorded as not live');
    const [session] = [...veriff.sessions.values()].slice(-1);
    const front = session.media.find((m) => m.context === 'document-front').bytes;
    const { width, height } = jpeg.decode(front);
    assert.equal(Math.max(width, height), 1200, 'kept at its size (under 1920 px)');
    assert.ok(!front.includes(Buffer.from('Exif')), 'no EXIF in the re-encoded photo');
    await phone.context().close();
  });
});
