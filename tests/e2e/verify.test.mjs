// The public verification page (/verify/<code>, assets/verify.js): the
// status in words for valid, expired and revoked certificates, in English
// and Spanish, the same on paper, and unknown codes said plainly.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
	launch, openPage, ready, axe, shot, msg, psql, registerUser, EN_SLUG,
} from './helpers.mjs';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const NAME = 'محمد عبد الله';

let browser;
before(async () => {
	browser = await launch();
	psql("DELETE FROM login_throttle WHERE key LIKE 'verify:%'");
});
after(async () => {
	psql("DELETE FROM login_throttle WHERE key LIKE 'verify:%'");
	await browser?.close();
});

function newCode() {
	const s = [...randomBytes(16)].map((b) => ALPHABET[b % 32]).join('');
	return s.match(/.{4}/g).join('-');
}

// A certificate of the seeded English course, as the job would make it.
async function certificate(extra) {
	const user = await registerUser({ display_name: NAME });
	const code = newCode();
	psql(`INSERT INTO certificates (completed_at, user_id, course_id, code,
	    name, course_title, language, course_version, hours) SELECT now(),
	    u.id, c.id, :'code', u.display_name, c.title, c.language, c.version,
	    c.estimated_hours FROM users u, courses c
	    WHERE lower(u.email) = lower(:'email') AND c.slug = :'slug';
	    ${extra || ''}`, { code, email: user.email, slug: EN_SLUG });
	return code;
}

test('a valid certificate says so, in English and in Spanish', async () => {
	const code = await certificate();
	for (const locale of ['en-GB', 'es-ES']) {
		const lang = locale.slice(0, 2);
		const s = await openPage(browser, { locale });
		const { page } = s;
		await page.goto(`/verify/${code}`);
		await ready(page);
		await page.getByRole('status').filter({ hasText:
			msg(lang, 'verify.valid') }).waitFor();
		const facts = await page.locator('.verify-facts').innerText();
		assert.ok(facts.includes(NAME), facts);
		assert.ok(facts.includes(code), facts);
		assert.ok(facts.includes(msg(lang, 'verify.noExpiry')), facts);
		assert.ok(!facts.includes('@'), facts);
		await shot(page, `verify-valid-${lang}`);
		await axe(page, `verify valid ${lang}`);
		// On paper: the status and the facts, not the site's header.
		await page.emulateMedia({ media: 'print' });
		assert.equal(await page.locator('header.site').isVisible(), false);
		assert.ok(await page.locator('.verify-status').isVisible());
		s.assertClean();
		await s.close();
	}
});

test('expired and revoked certificates say so with their date', async () => {
	const expired = await certificate(`UPDATE certificates
	    SET expires_at = '2026-01-31T12:00:00Z' WHERE code = :'code';`);
	const revoked = await certificate(`UPDATE certificates
	    SET revoked_at = '2026-02-15T12:00:00Z', revoke_reason = 'secret words'
	    WHERE code = :'code';`);
	const s = await openPage(browser);
	const { page } = s;
	await page.goto(`/verify/${expired}`);
	await ready(page);
	const date = (iso) => new Intl.DateTimeFormat('en-GB',
		{ dateStyle: 'medium' }).format(new Date(iso));
	await page.getByRole('status').filter({ hasText: msg('en',
		'verify.expired', { date: date('2026-01-31T12:00:00Z') }) }).waitFor();
	await page.goto(`/verify/${revoked}`);
	await ready(page);
	await page.getByRole('status').filter({ hasText: msg('en',
		'verify.revoked', { date: date('2026-02-15T12:00:00Z') }) }).waitFor();
	assert.ok(!(await page.content()).includes('secret words'));
	await shot(page, 'verify-revoked');
	await axe(page, 'verify revoked');
	s.assertClean();
	await s.close();
});

test('an unknown code is said to be unknown', async () => {
	const s = await openPage(browser);
	const { page } = s;
	s.allow((e) => e.text.includes('status of 404'));
	await page.goto('/verify/0000-0000-0000-0000');
	await ready(page);
	await page.getByRole('status').filter({ hasText: msg('en',
		'verify.unknown', { code: '0000-0000-0000-0000' }) }).waitFor();
	s.assertClean();
	await s.close();
});
