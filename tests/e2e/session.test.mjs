// Signing in and out, the "signed in as" menu, the server's field errors
// next to their inputs, the language following the account, and the one
// refresh-and-retry after a 401.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	launch, openPage, ready, axe, shot, msg, registerUser, signInBrowser, psql,
	signedInPage, sessionCookies, PASSWORD,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Errors the browser logs for API answers a test provokes on purpose.
function allowStatus(s, status, pathPart) {
	return s.allow((e) => e.text.includes(`status of ${status}`) &&
		e.url.includes(pathPart));
}

test('sign in, follow the account language, use the menu by keyboard, sign out',
	async () => {
		const user = await registerUser({ language: 'es',
			display_name: 'Ana Reyes' });
		const s = await openPage(browser, { locale: 'en-GB' });
		const { page } = s;
		await page.goto('/learning');
		// Signed out: sent to sign in, and back after.
		await page.waitForURL('**/signin?next=%2Flearning');
		await ready(page);
		assert.equal(await page.getAttribute('html', 'lang'), 'en');
		await axe(page, 'sign in');
		await shot(page, 'signin');
		await page.getByLabel(msg('en', 'form.email')).fill(user.email);
		await page.getByLabel(msg('en', 'form.password'), { exact: true })
			.fill(PASSWORD);
		await page.getByRole('button', { name: msg('en', 'signin.submit') })
			.click();
		await page.waitForURL('**/learning');

		// The account says Spanish: the interface follows.
		await page.getByRole('heading', { level: 1,
			name: msg('es', 'learning.title') }).waitFor();
		assert.equal(await page.getAttribute('html', 'lang'), 'es');
		const cookies = await page.context().cookies();
		assert.equal(cookies.find((c) => c.name === 'sg_lang')?.value, 'es');
		// Both session cookies are there, and script can read neither.
		const session = await sessionCookies(page.context());
		for (const c of session) {
			assert.ok(c.value.length > 0, `${c.name} has a value`);
			assert.equal(c.httpOnly, true, `${c.name} is HttpOnly`);
		}
		const readable = await page.evaluate(() => document.cookie);
		assert.doesNotMatch(readable, /sg_access|sg_refresh/);
		assert.match(readable, /sg_csrf=/);

		const menu = page.getByRole('button', {
			name: new RegExp(`${msg('es', 'nav.signedInAs')}.*Ana Reyes`) });
		await menu.focus();
		await page.keyboard.press('Enter');
		assert.equal(await menu.getAttribute('aria-expanded'), 'true');
		await shot(page, 'menu-open');
		await axe(page, 'menu open');
		await page.keyboard.press('Escape');
		assert.equal(await menu.getAttribute('aria-expanded'), 'false');
		assert.equal(await page.evaluate(() =>
			document.activeElement.classList.contains('menu-button')), true);

		await page.keyboard.press('Enter');
		const signOut = page.getByRole('button', { name: msg('es', 'nav.signout') });
		await signOut.focus();
		const logout = page.waitForRequest((r) =>
			r.url().endsWith('/api/v1/auth/logout'));
		await page.keyboard.press('Enter');
		const req = await logout;
		assert.ok(req.headers()['x-csrf-token'], 'logout sends the CSRF token');
		await page.getByRole('link', { name: msg('es', 'nav.signin'),
			exact: true }).waitFor();
		assert.equal((await page.context().cookies())
			.some((c) => c.name === 'sg_access'), false);
		s.assertClean();
		await s.close();
	});

test('a wrong password is said in words, at the form', async () => {
	const user = await registerUser();
	const s = await openPage(browser);
	const { page } = s;
	allowStatus(s, 401, '/api/v1/auth/login');
	await page.goto('/signin');
	await ready(page);
	await page.getByLabel(msg('en', 'form.email')).fill(user.email);
	await page.getByLabel(msg('en', 'form.password'), { exact: true })
		.fill('not the password at all');
	await page.getByRole('button', { name: msg('en', 'signin.submit') })
		.click();
	const alert = page.getByRole('alert');
	await alert.getByText(msg('en', 'error.login_failed')).waitFor();
	await shot(page, 'signin-failed');
	await axe(page, 'sign in failed');
	s.assertClean();
	await s.close();
});

test('sign-up errors show next to their inputs, in the page language',
	async () => {
		const taken = await registerUser();
		const s = await openPage(browser, { locale: 'es-419' });
		const { page } = s;
		const t = (k) => msg('es', k);
		await page.goto('/signup');
		await ready(page);
		assert.equal(await page.getAttribute('html', 'lang'), 'es');

		// Nothing filled: each required field says so; focus on the first.
		await page.getByRole('button', { name: t('signup.submit') }).click();
		const name = page.getByLabel(t('form.name'));
		await page.locator('#signup-name-error').getByText(t('error.required'))
			.waitFor();
		assert.equal(await name.getAttribute('aria-invalid'), 'true');
		assert.match(await name.getAttribute('aria-describedby'),
			/signup-name-error/);
		assert.equal(await page.evaluate(() => document.activeElement.id),
			'signup-name');
		await shot(page, 'signup-required');
		await axe(page, 'sign up required');

		// The server refuses the address: the message is at the email.
		allowStatus(s, 409, '/api/v1/auth/register');
		allowStatus(s, 422, '/api/v1/auth/register');
		await name.fill('Lucía');
		await page.getByLabel(t('form.email')).fill(taken.email);
		await page.getByLabel(t('form.password'), { exact: true })
			.fill(PASSWORD);
		await page.getByLabel(t('form.country')).selectOption('MX');
		await page.getByLabel(t('form.profession')).selectOption('education');
		await page.getByRole('button', { name: t('signup.submit') }).click();
		const emailErr = page.locator('#signup-email-error');
		await emailErr.getByText(t('error.email_taken')).waitFor();
		assert.equal(await page.evaluate(() => document.activeElement.id),
			'signup-email');
		assert.equal(await name.getAttribute('aria-invalid'), null);

		// A common password passes the length check here and fails there:
		// the server's 422 names the field.
		await page.getByLabel(t('form.email')).fill(`new-${Date.now()}@example.org`);
		await page.getByLabel(t('form.password'), { exact: true })
			.fill('qwerty123456');
		const answer = page.waitForResponse('**/api/v1/auth/register');
		await page.getByRole('button', { name: t('signup.submit') }).click();
		const r = await answer;
		assert.equal(r.status(), 422);
		assert.equal((await r.json()).error.field, 'password');
		await page.locator('#signup-password-error')
			.getByText(t('error.field.password')).waitFor();
		assert.equal(await emailErr.isHidden(), true);
		await shot(page, 'signup-server-errors');
		await axe(page, 'sign up server errors');
		s.assertClean();
		await s.close();
	});

test('an expired access cookie is refreshed once and the call retried',
	async () => {
		const user = await registerUser();
		const s = await openPage(browser);
		const { page } = s;
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, user.email);
		// The 15-minute access cookie is gone; the refresh cookie is not.
		await page.context().clearCookies({ name: 'sg_access' });
		const refreshes = [];
		page.on('request', (r) => {
			if (r.url().endsWith('/api/v1/auth/refresh'))
				refreshes.push(r.headers()['x-csrf-token']);
		});
		allowStatus(s, 401, '/api/v1/me');
		await page.goto('/learning');
		await page.getByRole('heading', { level: 1,
			name: msg('en', 'learning.title') }).waitFor();
		await page.getByText(msg('en', 'learning.empty')).waitFor();
		assert.equal(refreshes.length, 1, 'one refresh');
		assert.ok(refreshes[0] && refreshes[0].length >= 32,
			'the refresh carries the CSRF token');
		await page.getByRole('button', { name:
			new RegExp(msg('en', 'nav.signedInAs')) }).waitFor();
		s.assertClean();
		await s.close();
	});

test('switching the language changes every string and the account', async () => {
	const user = await registerUser({ language: 'en' });
	const s = await signedInPage(browser, user.email);
	const { page } = s;
	await page.goto('/');
	await ready(page);
	await page.getByRole('heading', { level: 1,
		name: msg('en', 'catalog.title') }).waitFor();
	const patch = page.waitForRequest((r) => r.method() === 'PATCH' &&
		r.url().endsWith('/api/v1/me'));
	await page.getByLabel(msg('en', 'nav.language'), { exact: true })
		.selectOption('es');
	await page.getByRole('heading', { level: 1,
		name: msg('es', 'catalog.title') }).waitFor();
	const req = await patch;
	assert.deepEqual(JSON.parse(req.postData()), { language: 'es' });
	assert.ok(req.headers()['x-csrf-token']);
	assert.equal(await page.getAttribute('html', 'lang'), 'es');
	assert.equal(await page.evaluate(() => document.activeElement.id),
		'lang-select');
	await page.getByRole('status').getByText(/^\d+ cursos?$/).waitFor();
	await page.reload();
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), 'es');
	await page.getByRole('heading', { level: 1,
		name: msg('es', 'catalog.title') }).waitFor();
	await shot(page, 'catalog-es');
	s.assertClean();
	await s.close();
});

test('a language the account could not take is said, quietly', async () => {
	const user = await registerUser({ language: 'en' });
	const s = await signedInPage(browser, user.email);
	const { page } = s;
	await page.goto('/');
	await ready(page);
	s.allow((e) => /ERR_FAILED/.test(e.text) && e.url.endsWith('/api/v1/me'));
	await page.route('**/api/v1/me', (r) => (r.request().method() === 'PATCH' ?
		r.abort() : r.continue()));
	await page.getByLabel(msg('en', 'nav.language'), { exact: true })
		.selectOption('es');
	const notice = page.locator('#site-notice[role="status"]');
	await notice.getByText(msg('es', 'nav.languageNotSaved')).waitFor();
	// The page did switch; the account did not.
	await page.getByRole('heading', { level: 1,
		name: msg('es', 'catalog.title') }).waitFor();
	assert.equal(await page.getAttribute('html', 'lang'), 'es');
	assert.equal(psql(`SELECT language FROM users
	    WHERE lower(email) = lower(:'email')`, { email: user.email }), 'en');
	await shot(page, 'language-not-saved');
	await axe(page, 'language not saved');
	// Going elsewhere clears it.
	await page.getByRole('link', { name: msg('es', 'nav.learning'),
		exact: true }).click();
	await page.waitForURL('**/learning');
	assert.equal(await notice.textContent(), '');
	assert.equal(await notice.isVisible(), false);
	s.assertClean();
	await s.close();
});
