// The admin's journey, once in English and once in Spanish: promote a
// learner to instructor (asked once more), who then sees the staff area;
// the admin's own demotion refused with the API's reason; the audit log
// shows the change; a bulk enrollment CSV with one bad row shows that
// row's error and enrolls the rest. And a learner who opens a staff
// address is told plainly it is not allowed, and no staff strings nor
// staff data reach the browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	launch, openPage, ready, axe, shot, registerUser, psql, signInBrowser,
	EN_SLUG, ES_SLUG, smsg, notWider,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signedIn(email, tag, viewport) {
	const s = await openPage(browser, { locale: tag, viewport });
	await s.page.goto('/signin');
	await ready(s.page);
	await signInBrowser(s.page, email);
	return s;
}

function userId(email) {
	return psql(`SELECT id FROM users WHERE lower(email) = lower(:'email')`,
		{ email });
}

for (const [lang, tag, viewport] of [['en', 'en-GB'],
	['es', 'es-ES', { width: 360, height: 740 }]]) {
	test(`an admin promotes, audits and enrolls in bulk (${lang})`, async () => {
		const m = (k, v) => smsg(tag, k, v);
		const admin = await registerUser({ language: lang });
		psql(`UPDATE users SET role = 'admin'
		    WHERE lower(email) = lower(:'email')`, { email: admin.email });
		const learner = await registerUser({ language: lang,
			display_name: `Promoted ${lang}` });
		const other = await registerUser({ language: lang });
		const lid = userId(learner.email);

		const s = await signedIn(admin.email, tag, viewport);
		const { page } = s;
		// Provoked: the admin's own demotion, refused (409).
		s.allow((e) => /status of 409/.test(e.text) &&
			/\/api\/v1\/admin\/users\//.test(e.url));
		await page.goto('/staff/users');
		await ready(page);
		assert.equal(await page.locator('h1').textContent(),
			m('staff.users.title'));
		// The navigation an admin gets.
		for (const k of ['staff.nav.courses', 'staff.nav.users',
			'staff.nav.audit', 'staff.nav.enrollments'])
			await page.locator('#site-nav').getByRole('link', { name: m(k),
				exact: true }).waitFor();

		// Search, then promote with the confirmation.
		await page.getByLabel(m('staff.users.search')).fill(learner.email);
		await page.getByRole('button', { name: m('staff.users.find') })
			.click();
		await page.waitForURL(/\/staff\/users\?q=/);
		const card = page.locator(`#users li[data-email="${learner.email}"]`);
		await card.waitFor();
		assert.equal(await page.locator('#users > li').count(), 1);
		await card.getByLabel(m('staff.users.role')).selectOption('instructor');
		await card.getByRole('button', { name: m('staff.users.changeRole') })
			.click();
		await card.getByText(m('staff.users.roleAsk', { name:
			learner.display_name, role: m('staff.role.instructor') }))
			.waitFor();
		assert.equal(psql(`SELECT role FROM users WHERE id = :'id'`,
			{ id: lid }), 'learner', 'nothing changes before the yes');
		await axe(page, `users confirm ${lang}`);
		await card.getByRole('button', { name: m('staff.users.roleYes') })
			.click();
		await page.locator('#users-said', { hasText: m('staff.users.roleChanged',
			{ name: learner.display_name }) }).waitFor();
		assert.equal(psql(`SELECT role FROM users WHERE id = :'id'`,
			{ id: lid }), 'instructor');
		// Answered: the question is gone, the button is back with focus.
		assert.equal(await card.getByRole('button', { name:
			m('staff.users.roleYes') }).count(), 0);
		assert.equal(await page.evaluate(() => document.activeElement
			.textContent), m('staff.users.changeRole'));
		await notWider(page, 'users');
		await shot(page, `staff-${lang}-users`);

		// The admin's own account: the API's refusal, in words.
		await page.goto(`/staff/users?q=${encodeURIComponent(admin.email)}`);
		await ready(page);
		const me = page.locator(`#users li[data-email="${admin.email}"]`);
		await me.getByLabel(m('staff.users.role')).selectOption('learner');
		await me.getByRole('button', { name: m('staff.users.changeRole') })
			.click();
		await me.getByRole('button', { name: m('staff.users.roleYes') })
			.click();
		await me.getByText(m('error.own_account')).waitFor();
		assert.equal(await me.getByLabel(m('staff.users.role')).inputValue(),
			'admin');

		// The audit log, filtered by the server to the promoted account:
		// the filters go to the page's address and to the API.
		const asked = [];
		page.on('request', (r) => {
			if (r.url().includes('/api/v1/admin/audit'))
				asked.push(new URL(r.url()).searchParams);
		});
		await page.getByRole('link', { name: m('staff.nav.audit') }).click();
		await page.waitForURL('**/staff/audit');
		await page.locator('#audit > li').first().waitFor();
		await page.getByLabel(m('staff.audit.onWhat')).fill(lid);
		await page.getByRole('button', { name: m('staff.audit.apply') })
			.click();
		await page.waitForURL(`**/staff/audit?target=${lid}`);
		const entries = page.locator('#audit > li');
		await page.locator('#audit-count', { hasText: m(
			'staff.audit.shownFiltered', { n: 1 }) }).waitFor();
		assert.equal(await entries.count(), 1);
		assert.equal(await entries.first().getAttribute('data-action'),
			'user.update');
		assert.ok((await entries.first().textContent()).includes('instructor'));
		assert.equal(asked.at(-1).get('target'), lid);
		// By action and author too, and from today: the same entry; the
		// form keeps what was asked.
		await page.getByLabel(m('staff.audit.action'))
			.selectOption('user.update');
		await page.getByLabel(m('staff.audit.byWho')).fill(admin.email);
		const today = await page.evaluate(() => {
			const d = new Date();
			return `${d.getFullYear()}-${String(d.getMonth() + 1)
				.padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
		});
		await page.getByLabel(m('staff.audit.from')).fill(today);
		await page.getByRole('button', { name: m('staff.audit.apply') })
			.click();
		await page.waitForURL(/\/staff\/audit\?.*action=user.update/);
		await page.locator('#audit-count', { hasText: m(
			'staff.audit.shownFiltered', { n: 1 }) }).waitFor();
		assert.equal(await entries.count(), 1);
		const last = asked.at(-1);
		assert.deepEqual([last.get('action'), last.get('actor'),
			last.get('target')], ['user.update', admin.email, lid]);
		assert.ok(!Number.isNaN(Date.parse(last.get('since'))));
		assert.equal(await page.getByLabel(m('staff.audit.onWhat'))
			.inputValue(), lid);
		// Another author: nothing on this account.
		await page.getByLabel(m('staff.audit.byWho')).fill(other.email);
		await page.getByRole('button', { name: m('staff.audit.apply') })
			.click();
		await page.locator('#audit-count', { hasText: m(
			'staff.audit.shownFiltered', { n: 0 }) }).waitFor();
		assert.equal(await entries.count(), 0);
		await page.getByRole('link', { name: m('staff.audit.clear') })
			.click();
		await page.waitForURL('**/staff/audit');
		await entries.first().waitFor();
		assert.ok(await entries.count() > 1);
		await axe(page, `audit ${lang}`);
		await notWider(page, 'audit');
		await shot(page, `staff-${lang}-audit`);

		// Bulk enrollment: one bad row, the rest enrolled.
		const slug = lang === 'en' ? EN_SLUG : ES_SLUG;
		await page.getByRole('link', { name: m('staff.nav.enrollments') })
			.click();
		await page.waitForURL('**/staff/enrollments');
		const csv = `email,course\n${learner.email},${slug}\n` +
			`nobody-${Date.now()}@example.org,${slug}\n${other.email},${slug}\n`;
		await page.getByLabel(m('staff.import.file')).setInputFiles({
			name: 'people.csv', mimeType: 'text/csv',
			buffer: Buffer.from(csv) });
		await page.getByRole('button', { name: m('staff.import.send') })
			.click();
		const rows = page.locator('#import-results tbody tr');
		await rows.first().waitFor();
		assert.deepEqual(await rows.evaluateAll((r) => r.map((x) => [
			x.dataset.line, x.className])), [['2', 'enrolled'],
			['3', 'unknown_email'], ['4', 'enrolled']]);
		assert.equal(await page.locator('#import-results tr[data-line="3"] td')
			.last().textContent(), m('staff.import.result.unknown_email'));
		assert.equal(psql(`SELECT count(*) FROM enrollments e
		    JOIN courses c ON c.id = e.course_id
		    WHERE c.slug = :'slug' AND e.user_id IN (:'a', :'b')`,
		{ slug, a: lid, b: userId(other.email) }), '2');
		await axe(page, `bulk enrollment ${lang}`);
		await notWider(page, 'enrollments');
		await shot(page, `staff-${lang}-enrollments`);
		s.assertClean(`admin ${lang}`);
		await s.close();

		// The promoted learner now finds the staff area from the header.
		const p = await signedIn(learner.email, tag);
		await p.page.goto('/learning');
		await ready(p.page);
		await p.page.locator('#staff-link').click();
		await p.page.waitForURL('**/staff');
		await ready(p.page);
		assert.equal(await p.page.locator('h1').textContent(),
			m('staff.courses.title'));
		// An instructor's navigation has no admin pages.
		assert.equal(await p.page.locator('#site-nav').getByRole('link',
			{ name: m('staff.nav.users') }).count(), 0);
		p.assertClean(`promoted ${lang}`);
		await p.close();
	});
}

test('a learner who opens a staff address is not allowed, and gets no staff data',
	async () => {
		for (const [lang, tag] of [['en', 'en-GB'], ['es', 'es-ES']]) {
			const m = (k, v) => smsg(tag, k, v);
			const who = await registerUser({ language: lang });
			const s = await signedIn(who.email, tag,
				{ width: 360, height: 740 });
			const { page } = s;
			const seen = [];
			page.on('response', (r) => seen.push(new URL(r.url()).pathname));
			for (const where of ['/staff', '/staff/users',
				'/staff/courses/child-abuse-foundations']) {
				await page.goto(where);
				await ready(page);
				assert.equal(await page.locator('h1').textContent(),
					m('staffArea.notAllowed'));
				await page.getByText(m('staffArea.notAllowedBody')).waitFor();
			}
			await axe(page, `not allowed ${lang}`);
			await shot(page, `staff-${lang}-not-allowed`);
			const staffy = seen.filter((u) => /^\/api\/v1\/(admin|instructor)\//
				.test(u) || /^\/static\/(i18n\/staff\.|staff-)/.test(u));
			assert.deepEqual(staffy, []);
			assert.ok(seen.includes('/api/v1/me'));
			// No staff link for a learner.
			await page.goto('/learning');
			await ready(page);
			assert.equal(await page.locator('#staff-link').count(), 0);
			s.assertClean(`learner ${lang}`);
			await s.close();
		}

		// Signed out: to sign in, and back.
		const v = await openPage(browser);
		await v.page.goto('/staff/users');
		await v.page.waitForURL('**/signin?next=%2Fstaff%2Fusers');
		v.assertClean('signed out');
		await v.close();
	});
