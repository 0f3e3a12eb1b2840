// The pages of the mail links (issue 26), against the real server and the
// mails it really writes: with no SMTP_URL set, each mail is a .eml file in
// var/mail/ (SG_MAIL_DIR overrides), and the links are read from there.
// A forgotten password (the form, "check your email", the new password
// from the link: the old password then fails, the new one works, the old
// session is over, and the link fails the second time); an unknown
// address answered exactly as a known one; the banner of an unverified
// address, its "send again" (sent, throttled by the server, already
// verified), and the verification link that makes it go. In English at
// desktop width and in Spanish at 360 px; axe, the CSP and the console
// checked on every page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
	launch, openPage, ready, axe, shot, msg, registerUser, apiFetch,
	apiLogin, signInBrowser, psql, notWider, uniqueEmail, BASE, ROOT,
	PASSWORD,
} from './helpers.mjs';

// Where the server writes mail: SG_MAIL_DIR, else SG_VAR_DIR/mail (the
// Makefile exports it), relative to the checkout it runs in.
const MAIL_DIR = process.env.SG_MAIL_DIR ?
	path.resolve(ROOT, process.env.SG_MAIL_DIR) :
	path.resolve(ROOT, process.env.SG_VAR_DIR || 'var', 'mail');
const NEW_PASSWORD = 'another sound passphrase 77';
const PHONE = { width: 360, height: 740 };

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// ---------------------------------------------------------------- mail

// The text of a message, every part decoded (quoted-printable, base64),
// so a link split or encoded by the transfer encoding reads whole.
function decodePart(raw) {
	const split = raw.search(/\r?\n\r?\n/);
	const head = split < 0 ? raw : raw.slice(0, split);
	const body = split < 0 ? '' : raw.slice(split).replace(/^\r?\n\r?\n/, '');
	const unfolded = head.replace(/\r?\n[ \t]+/g, ' ');
	const type = /^content-type:\s*([^\r\n]*)/im.exec(unfolded)?.[1] || '';
	const boundary = /boundary="?([^";\r\n]+)"?/i.exec(type)?.[1];
	if (/^multipart\//i.test(type) && boundary) {
		return body.split(`--${boundary}`).slice(1)
			.filter((p) => !p.startsWith('--'))
			.map((p) => decodePart(p.replace(/^\r?\n/, ''))).join('\n');
	}
	const cte = (/^content-transfer-encoding:\s*(\S+)/im.exec(unfolded)?.[1] ||
		'').toLowerCase();
	if (cte === 'base64')
		return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	if (cte === 'quoted-printable') {
		const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g,
			(all, x) => String.fromCharCode(parseInt(x, 16)));
		return Buffer.from(bytes, 'latin1').toString('utf8');
	}
	return body;
}

// The mails written to an address so far, oldest first: { file, head, text }.
function mailsTo(address) {
	let names = [];
	try {
		names = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.eml'));
	} catch {
		return [];
	}
	const id = (f) => Number(/\d+/.exec(f)?.[0] || 0);
	return names.sort((a, b) => id(a) - id(b) || a.localeCompare(b))
		.map((f) => {
			const raw = readFileSync(path.join(MAIL_DIR, f), 'utf8');
			const end = raw.search(/\r?\n\r?\n/);
			const head = raw.slice(0, end).replace(/\r?\n[ \t]+/g, ' ');
			return { file: f, head, text: decodePart(raw) };
		})
		.filter((m) => /^to:.*$/im.exec(m.head)?.[0].toLowerCase()
			.includes(address.toLowerCase()));
}

// The newest link to page (/reset-password, /verify-email) mailed to
// address after the first `skip` such mails, polled in a bounded loop
// (the job runner sends it a moment after the request).
async function mailedLink(address, page, skip = 0) {
	const re = new RegExp(`https?://[^\\s"'<>]*${page}#token=[A-Za-z0-9._~%-]+`,
		'g');
	for (let i = 0; i < 150; i++) {
		const links = mailsTo(address).map((m) => m.text.match(re)?.[0])
			.filter(Boolean);
		if (links.length > skip)
			return links[links.length - 1];
		await new Promise((ok) => setTimeout(ok, 100));
	}
	assert.fail(`no mail with a ${page} link reached ${MAIL_DIR} for the ` +
		`test address (after ${skip})`);
}

// ---------------------------------------------------------------- helpers

function allowStatus(s, status, pathPart) {
	return s.allow((e) => e.text.includes(`status of ${status}`) &&
		e.url.includes(pathPart));
}

async function heading(page, text) {
	await page.getByRole('heading', { level: 1, name: text }).waitFor();
}

// The router moves focus to the new page's heading once it is drawn.
async function focusOnHeading(page) {
	await page.waitForFunction(() =>
		document.activeElement.tagName === 'H1', null, { timeout: 5000 });
}

async function check(s, name) {
	await axe(s.page, name);
	await shot(s.page, `mail-${name}`);
	await notWider(s.page, name);
	s.assertClean(name);
}

// ---------------------------------------------------------------- reset

async function forgotAndReset(lang) {
	const t = (k, v) => msg(lang, k, v);
	const phone = lang === 'es';
	const user = await registerUser({ language: lang });
	// A session from before the reset: the reset must end it.
	const oldToken = await apiLogin(user.email);
	assert.equal((await apiFetch('GET', '/api/v1/me', { token: oldToken }))
		.status, 200);

	const s = await openPage(browser, phone ?
		{ locale: 'es-MX', viewport: PHONE } : {});
	const { page } = s;
	await page.goto('/signin');
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), lang);
	await page.getByRole('link', { name: t('signin.forgot') }).click();
	await page.waitForURL('**/forgot-password');
	await heading(page, t('forgot.title'));
	await focusOnHeading(page);
	await check(s, `${lang}-forgot`);

	// Nothing typed, then no address: said at the field.
	const email = page.getByLabel(t('form.email'));
	await page.getByRole('button', { name: t('forgot.submit') }).click();
	await page.locator('#forgot-email-error').getByText(t('error.required'))
		.waitFor();
	assert.equal(await email.getAttribute('aria-invalid'), 'true');
	assert.equal(await page.evaluate(() => document.activeElement.id),
		'forgot-email');
	await email.fill('not an address');
	await page.getByRole('button', { name: t('forgot.submit') }).click();
	await page.locator('#forgot-email-error').getByText(t('error.field.email'))
		.waitFor();

	await email.fill(user.email);
	const answer = page.waitForResponse('**/api/v1/auth/password-reset');
	await page.getByRole('button', { name: t('forgot.submit') }).click();
	assert.equal((await answer).status(), 202);
	await page.waitForURL('**/check-email');
	await heading(page, t('checkEmail.title'));
	await focusOnHeading(page);
	await page.getByText(t('checkEmail.lead')).waitFor();
	await check(s, `${lang}-check-email`);

	// The link, as mailed: to this server, the token in the fragment.
	const link = await mailedLink(user.email, '/reset-password');
	assert.ok(link.startsWith(`${BASE}/reset-password#token=`), link);
	await page.goto(link);
	await ready(page);
	await heading(page, t('reset.title'));
	// The token is gone from the address bar at once.
	assert.equal(await page.evaluate(() => location.href),
		`${BASE}/reset-password`);
	const pw = page.getByLabel(t('reset.password'), { exact: true });
	const again = page.getByLabel(t('reset.confirm'), { exact: true });
	assert.match(await pw.getAttribute('aria-describedby'), /reset-password-hint/);
	await page.locator('#reset-password-hint').getByText(t('form.passwordHint'))
		.waitFor();
	await check(s, `${lang}-reset`);

	// The sign-up's rules, and the two must agree.
	await pw.fill('short');
	await again.fill('short');
	await page.getByRole('button', { name: t('reset.submit') }).click();
	await page.locator('#reset-password-error')
		.getByText(t('error.field.password')).waitFor();
	assert.equal(await pw.getAttribute('aria-invalid'), 'true');
	assert.equal(await page.evaluate(() => document.activeElement.id),
		'reset-password');
	await pw.fill(NEW_PASSWORD);
	await again.fill(`${NEW_PASSWORD}!`);
	await page.getByRole('button', { name: t('reset.submit') }).click();
	await page.locator('#reset-confirm-error').getByText(t('reset.mismatch'))
		.waitFor();
	assert.equal(await again.getAttribute('aria-invalid'), 'true');
	assert.equal(await pw.getAttribute('aria-invalid'), null);
	assert.equal(await page.evaluate(() => document.activeElement.id),
		'reset-confirm');
	await check(s, `${lang}-reset-errors`);

	// A common password passes here and fails at the server, by field.
	allowStatus(s, 422, '/api/v1/auth/password-reset/confirm');
	await pw.fill('qwerty123456');
	await again.fill('qwerty123456');
	let confirm = page.waitForResponse('**/api/v1/auth/password-reset/confirm');
	await page.getByRole('button', { name: t('reset.submit') }).click();
	assert.equal((await confirm).status(), 422);
	await page.locator('#reset-password-error')
		.getByText(t('error.field.password')).waitFor();

	await pw.fill(NEW_PASSWORD);
	await again.fill(NEW_PASSWORD);
	confirm = page.waitForResponse('**/api/v1/auth/password-reset/confirm');
	await page.getByRole('button', { name: t('reset.submit') }).click();
	assert.equal((await confirm).status(), 200);
	await page.waitForURL('**/signin?reset=done');
	await heading(page, t('signin.title'));
	await page.getByRole('status').filter({ hasText:
		t('signin.passwordChanged') }).waitFor();
	await check(s, `${lang}-reset-done`);

	// The old session is over, the old password fails, the new one works.
	assert.equal((await apiFetch('GET', '/api/v1/me', { token: oldToken }))
		.status, 401);
	assert.equal((await apiFetch('POST', '/api/v1/auth/login',
		{ body: { email: user.email, password: PASSWORD } })).status, 401);
	allowStatus(s, 401, '/api/v1/auth/login');
	await page.getByLabel(t('form.email')).fill(user.email);
	await page.getByLabel(t('form.password'), { exact: true })
		.fill(NEW_PASSWORD);
	await page.getByRole('button', { name: t('signin.submit') }).click();
	await page.waitForURL('**/learning');
	await heading(page, t('learning.title'));

	// The link a second time: refused, in words, with the way to a new one.
	allowStatus(s, 400, '/api/v1/auth/password-reset/confirm');
	await page.goto(link);
	await ready(page);
	await heading(page, t('reset.title'));
	await pw.fill(`${NEW_PASSWORD} again`);
	await again.fill(`${NEW_PASSWORD} again`);
	confirm = page.waitForResponse('**/api/v1/auth/password-reset/confirm');
	await page.getByRole('button', { name: t('reset.submit') }).click();
	assert.equal((await confirm).status(), 400);
	await heading(page, t('reset.badTitle'));
	await focusOnHeading(page);
	await page.getByText(t('reset.badBody')).waitFor();
	const ask = page.getByRole('link', { name: t('reset.askAgain') });
	assert.equal(await ask.getAttribute('href'), '/forgot-password');
	await check(s, `${lang}-reset-used`);
	// Still the new password: the second try changed nothing.
	assert.equal((await apiFetch('POST', '/api/v1/auth/login',
		{ body: { email: user.email, password: NEW_PASSWORD } })).status, 200);

	// A link without its token (cut short when copied) says the same.
	await page.goto('/reset-password');
	await ready(page);
	await heading(page, t('reset.badTitle'));
	await ask.click();
	await page.waitForURL('**/forgot-password');
	s.assertClean();
	await s.close();
}

test('a forgotten password, in English: the link works once', async () => {
	await forgotAndReset('en');
});

test('a forgotten password, in Spanish at 360 px', async () => {
	await forgotAndReset('es');
});

test('an unknown address is answered as a known one', async () => {
	const known = await registerUser();
	const unknown = uniqueEmail('nobody');
	const a = await apiFetch('POST', '/api/v1/auth/password-reset',
		{ body: { email: known.email } });
	const b = await apiFetch('POST', '/api/v1/auth/password-reset',
		{ body: { email: unknown } });
	assert.deepEqual([b.status, b.body], [a.status, a.body]);
	assert.equal(a.status, 202);

	for (const [lang, opts] of [['en', {}],
		['es', { locale: 'es-ES', viewport: PHONE }]]) {
		const t = (k) => msg(lang, k);
		const s = await openPage(browser, opts);
		const { page } = s;
		await page.goto('/forgot-password');
		await ready(page);
		await heading(page, t('forgot.title'));
		await page.getByLabel(t('form.email')).fill(unknown);
		await page.getByRole('button', { name: t('forgot.submit') }).click();
		await page.waitForURL('**/check-email');
		await heading(page, t('checkEmail.title'));
		const words = await page.locator('main').innerText();
		// The same page a known address gets, word for word.
		await page.goto('/forgot-password');
		await ready(page);
		await page.getByLabel(t('form.email')).fill(known.email);
		await page.getByRole('button', { name: t('forgot.submit') }).click();
		await page.waitForURL('**/check-email');
		await heading(page, t('checkEmail.title'));
		assert.equal(await page.locator('main').innerText(), words);
		assert.doesNotMatch(words, /@/);
		await check(s, `${lang}-unknown`);
		await s.close();
	}
	// Nothing was written for the unknown address, the known one got
	// its links (polled: the job runner sends them).
	await mailedLink(known.email, '/reset-password', 2);
	assert.equal(psql(`SELECT count(*) FROM mail_outbox
	    WHERE lower(to_address) = lower(:'email')`, { email: unknown }), '0');
	assert.deepEqual(mailsTo(unknown), []);
});

// ---------------------------------------------------------------- verify

async function verifyBanner(lang) {
	const t = (k, v) => msg(lang, k, v);
	const phone = lang === 'es';
	const user = await registerUser({ language: lang });
	// Registration mailed the first link.
	const first = await mailedLink(user.email, '/verify-email');
	const s = await openPage(browser, phone ?
		{ locale: 'es-419', viewport: PHONE } : {});
	const { page } = s;
	await page.goto('/signin');
	await ready(page);
	await signInBrowser(page, user.email);
	await page.goto('/learning');
	await ready(page);
	await heading(page, t('learning.title'));
	const banner = page.getByRole('region', { name: t('verifyEmail.bannerTitle') });
	await banner.getByText(t('verifyEmail.bannerBody', { email: user.email }))
		.waitFor();
	await check(s, `${lang}-banner`);

	// Send again: a new mail, said in the live line; again and again
	// until the server's throttle answers 429 with Retry-After, which
	// is said in words too.
	const resend = banner.getByRole('button', { name: t('verifyEmail.resend') });
	const said = banner.getByRole('status');
	allowStatus(s, 429, '/api/v1/me/verification-email');
	const statuses = [];
	let retryAfter = null;
	while (statuses.length < 6 && statuses.at(-1) !== 429) {
		const answer = page.waitForResponse('**/api/v1/me/verification-email');
		await resend.click();
		const r = await answer;
		statuses.push(r.status());
		retryAfter = r.headers()['retry-after'];
		await said.getByText(r.status() === 202 ?
			t('verifyEmail.sent', { email: user.email }) :
			t('verifyEmail.tooSoon')).waitFor();
	}
	assert.equal(statuses[0], 202, statuses.join());
	assert.equal(statuses.at(-1), 429, statuses.join());
	assert.ok(Number(retryAfter) > 0, `Retry-After: ${retryAfter}`);
	const sent = statuses.filter((x) => x === 202).length;
	await check(s, `${lang}-banner-throttled`);
	// Each 202 mailed a new link (the registration's was the first).
	const second = await mailedLink(user.email, '/verify-email', sent);
	assert.notEqual(second, first);
	assert.equal(mailsTo(user.email).length, sent + 1);

	// The newest link verifies the address; the banner is gone. The page
	// does not wait for the session to draw (it needs none): the account
	// is made to answer after the verification, and the page must still
	// know who is signed in.
	let verifiedNow;
	const answered = new Promise((ok) => { verifiedNow = ok; });
	const onAnswer = (r) => {
		if (r.url().endsWith('/api/v1/auth/verify-email'))
			verifiedNow();
	};
	page.on('response', onAnswer);
	await page.route('**/api/v1/me', async (r) => {
		await answered;
		await r.continue();
	});
	await page.goto(second);
	await ready(page);
	await heading(page, t('verifyEmail.doneTitle'));
	await page.unroute('**/api/v1/me');
	page.off('response', onAnswer);
	assert.equal(await page.evaluate(() => location.href), `${BASE}/verify-email`);
	assert.equal(psql(`SELECT email_verified_at IS NOT NULL FROM users
	    WHERE lower(email) = lower(:'email')`, { email: user.email }), 't');
	await check(s, `${lang}-verified`);
	await page.getByRole('link', { name: t('verifyEmail.toLearning') }).click();
	await page.waitForURL('**/learning');
	await heading(page, t('learning.title'));
	await focusOnHeading(page);
	assert.equal(await page.getByRole('region', {
		name: t('verifyEmail.bannerTitle') }).count(), 0);
	const me = await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()));
	assert.equal(me.email_verified, true);

	// A link used already: said plainly; nothing more to send.
	allowStatus(s, 400, '/api/v1/auth/verify-email');
	await page.goto(second);
	await ready(page);
	await heading(page, t('verifyEmail.badTitle'));
	await page.getByText(t('verifyEmail.badBody')).waitFor();
	assert.equal(await page.getByRole('button', {
		name: t('verifyEmail.resend') }).count(), 0);
	await check(s, `${lang}-verify-used`);
	s.assertClean();
	await s.close();
}

test('an unverified address: the banner, send again, the link', async () => {
	await verifyBanner('en');
});

test('an unverified address, in Spanish at 360 px', async () => {
	await verifyBanner('es');
});

test('send again when the address was verified elsewhere meanwhile',
	async () => {
		const t = (k) => msg('en', k);
		const user = await registerUser();
		const link = await mailedLink(user.email, '/verify-email');
		const s = await openPage(browser);
		const { page } = s;
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, user.email);
		await page.goto('/learning');
		await ready(page);
		const banner = page.getByRole('region',
			{ name: t('verifyEmail.bannerTitle') });
		await banner.waitFor();
		// Verified in another browser, then "send again" here: 409.
		const token = decodeURIComponent(link.split('#token=')[1]);
		const r = await apiFetch('POST', '/api/v1/auth/verify-email',
			{ body: { token } });
		assert.deepEqual([r.status, r.body], [200, { email_verified: true }]);
		allowStatus(s, 409, '/api/v1/me/verification-email');
		const answer = page.waitForResponse('**/api/v1/me/verification-email');
		await banner.getByRole('button', { name: t('verifyEmail.resend') })
			.click();
		assert.equal((await answer).status(), 409);
		await banner.getByRole('status').getByText(t('verifyEmail.already'))
			.waitFor();
		assert.equal(await banner.getByRole('button').count(), 0);
		assert.equal(await page.evaluate(() =>
			document.activeElement.getAttribute('role')), 'status');
		await check(s, 'en-already-verified');

		// Signed out, a spent link sends to sign in for a new one.
		const out = await openPage(browser);
		allowStatus(out, 400, '/api/v1/auth/verify-email');
		await out.page.goto(link);
		await ready(out.page);
		await heading(out.page, t('verifyEmail.badTitle'));
		await out.page.getByText(t('verifyEmail.signInToResend')).waitFor();
		await check(out, 'en-verify-signed-out');
		await out.close();
		await s.close();
	});
