// Certificates in the browser, once in English at desktop width and once in
// Spanish at 360 px: a learner completes a course without quizzes (through
// the API; the certificate_issue job issues the certificate, the PDF and
// the credential), finds it from the course page, reads its status and
// dates in their locale, downloads the PDF and the Open Badges credential
// (checked against the published JWKS), copies the share link (and, when
// the clipboard refuses, is told to copy it by hand), follows it and the
// PDF's QR code to the verification page. An admin then finds it, is asked
// in a dialog for a reason before anything changes, revokes it, downloads
// the course's zip, and the verification page says revoked, without the
// reason.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
	launch, openPage, ready, axe, shot, smsg, psql, registerUser, apiLogin,
	apiFetch, packModule, uploadModule, instructorCourse, signInBrowser,
	notWider, BASE,
} from './helpers.mjs';

const PHONE = { width: 360, height: 740 };
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let browser;
let course;
before(async () => {
	browser = await launch();
	psql("DELETE FROM login_throttle WHERE key LIKE 'verify:%'");
	course = await quizlessCourse();
});
after(async () => {
	psql("DELETE FROM login_throttle WHERE key LIKE 'verify:%'");
	await browser?.close();
});

// A published course of one module of two lessons, no quiz, whose
// certificates are valid for two years.
async function quizlessCourse() {
	const title = `Safer recruitment <b>${randomUUID().slice(0, 6)}</b>`;
	const { token, slug } = await instructorCourse({
		slug: `cert-pages-${randomUUID().slice(0, 8)}`, title,
		summary: 'Checks before anyone starts work with children.',
		language: 'en', audiences: ['education'], estimated_hours: 2,
		certificate_valid_months: 24 });
	const manifest = { format: 1, key: 'checks', title: 'Checks', order: 1,
		summary: 'What to check.', lessons: [
			{ key: 'one', title: 'References', file: 'lessons/01.md',
				minutes: 2 },
			{ key: 'two', title: 'Interviews', file: 'lessons/02.md',
				minutes: 2 }] };
	const up = await uploadModule(slug, packModule({
		'module.json': JSON.stringify(manifest),
		'lessons/01.md': '# References\n\nAsk for two.\n',
		'lessons/02.md': '# Interviews\n\nAsk about gaps.\n' }), token);
	assert.equal(up.status, 201, JSON.stringify(up.body));
	const pub = await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token });
	assert.equal(pub.status, 200, JSON.stringify(pub.body));
	return { slug, title };
}

// A learner who completes the course through the API; resolves once the
// job has issued the certificate with its PDF and credential.
async function graduate(lang, name) {
	const user = await registerUser({ language: lang, display_name: name });
	const token = await apiLogin(user.email);
	const enr = await apiFetch('POST',
		`/api/v1/courses/${course.slug}/enrollment`, { token });
	assert.equal(enr.status, 201, JSON.stringify(enr.body));
	const outline = (await apiFetch('GET',
		`/api/v1/courses/${course.slug}`)).body;
	const lessons = outline.modules.flatMap((m) => m.lessons);
	assert.equal(lessons.length, 2);
	for (const l of lessons) {
		const r = await apiFetch('PUT', `/api/v1/lessons/${l.id}/progress`,
			{ token, body: { position: 1, time_spent_delta: 30,
				completed: true },
			headers: { 'idempotency-key': randomUUID() } });
		assert.equal(r.status, 200, JSON.stringify(r.body));
	}
	const sql = `SELECT x.id || ' ' || x.code FROM certificates x
	    JOIN users u ON u.id = x.user_id
	    WHERE lower(u.email) = lower(:'email') AND x.pdf IS NOT NULL
	      AND x.credential IS NOT NULL`;
	let row = '';
	for (let i = 0; i < 300 && !row; i++) {
		row = psql(sql, { email: user.email });
		if (!row)
			await new Promise((ok) => setTimeout(ok, 100));
	}
	assert.ok(row, 'the job issued the certificate, its PDF and credential');
	const [id, code] = row.split(' ');
	return { user, id, code };
}

function certRow(id) {
	const [issued, expires] = psql(`SELECT to_json(issued_at) #>> '{}'
	    || ' ' || (to_json(expires_at) #>> '{}') FROM certificates
	    WHERE id = :'id'`, { id }).split(' ');
	return { issued, expires };
}

const dateIn = (tag, iso) => new Intl.DateTimeFormat(tag,
	{ dateStyle: 'medium' }).format(new Date(iso));

// A download the click starts: its suggested name and its bytes.
async function download(page, click) {
	const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
	return { name: dl.suggestedFilename(),
		bytes: readFileSync(await dl.path()) };
}

// The URL in the PDF's QR code: the first page drawn, then zbarimg.
function qrTarget(pdf) {
	const dir = mkdtempSync(path.join(tmpdir(), 'sg-cert-'));
	try {
		execFileSync('sh', ['-c', 'cat > c.pdf'], { cwd: dir, input: pdf });
		execFileSync('pdftoppm', ['-r', '150', '-png', '-singlefile',
			'c.pdf', 'c'], { cwd: dir });
		return execFileSync('zbarimg', ['--raw', '-q', 'c.png'],
			{ cwd: dir, encoding: 'utf8' }).trim();
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// The compact JWS verifies with the key its kid names in the JWKS.
async function checkCredential(jws, code) {
	const [h64, p64, s64] = jws.split('.');
	const header = JSON.parse(Buffer.from(h64, 'base64url'));
	const payload = JSON.parse(Buffer.from(p64, 'base64url'));
	assert.equal(header.alg, 'RS256');
	const jwks = (await apiFetch('GET', '/.well-known/jwks.json')).body;
	const jwk = jwks.keys.find((k) => k.kid === header.kid);
	assert.ok(jwk, `the JWKS has ${header.kid}`);
	assert.ok(verify('RSA-SHA256', Buffer.from(`${h64}.${p64}`),
		createPublicKey({ key: jwk, format: 'jwk' }),
		Buffer.from(s64, 'base64url')), 'the signature verifies');
	assert.ok(payload.jti.endsWith(`/verify/${code}`), payload.jti);
}

async function signedIn(email, tag, viewport) {
	const s = await openPage(browser, { locale: tag, viewport });
	await s.page.goto('/signin');
	await ready(s.page);
	await signInBrowser(s.page, email);
	return s;
}

for (const [lang, tag, viewport] of [['en', 'en-GB'], ['es', 'es-ES', PHONE]]) {
	test(`a learner's certificate: download, share, verify, revoke (${lang})`,
		async () => {
			const m = (k, v) => smsg(tag, k, v);
			const name = lang === 'en' ? 'Łukasz Ñúñez-Nguyễn <i>x</i>' :
				'محمد عبد الله';
			const { user, id, code } = await graduate(lang, name);
			const { issued, expires } = certRow(id);
			const share = await learner(m, tag, viewport, user, code,
				{ issued, expires, name });
			await verifyPage(m, tag, viewport, share, code, 'valid');
			await admin(m, tag, viewport, user, id, code);
			await verifyPage(m, tag, viewport, share, code, 'revoked');
		});
}

async function learner(m, tag, viewport, user, code, want) {
	const lang = tag.slice(0, 2);
	const s = await signedIn(user.email, tag, viewport);
	const { page, context } = s;
	if (lang === 'en') {
		await context.grantPermissions(['clipboard-read',
			'clipboard-write'], { origin: BASE });
	} else {
		// A browser whose clipboard refuses: the learner copies by hand.
		await page.addInitScript(() => {
			Object.defineProperty(navigator, 'clipboard', { value: {
				writeText: () => Promise.reject(new Error('refused')) } });
			document.execCommand = () => false;
		});
	}

	// From the completed course to My certificates.
	await page.goto(`/courses/${course.slug}`);
	await ready(page);
	await page.getByRole('link', { name: m('course.certificate') }).click();
	await page.waitForURL('**/certificates');
	await page.locator('h1', { hasText: m('certs.title') }).waitFor();
	// And from the header.
	assert.equal(await page.locator('#site-nav a[data-nav="certificates"]')
		.getAttribute('aria-current'), 'page');
	const card = page.locator(`#certificates li[data-code="${code}"]`);
	await card.waitFor();
	assert.equal(await page.locator('#certificates > li').count(), 1);
	// What it says, in the learner's locale; the name as text.
	assert.equal(await card.locator('h2').textContent(), course.title);
	assert.equal(await card.locator('.cert-status').textContent(),
		m('certs.status.valid'));
	const facts = await card.locator('.cert-facts').innerText();
	for (const x of [want.name, code, dateIn(tag, want.issued),
		dateIn(tag, want.expires)])
		assert.ok(facts.includes(x), `${x} in ${facts}`);
	assert.equal(await card.locator('i').count(), 0);
	await axe(page, `my certificates ${lang}`);
	await notWider(page, 'my certificates');
	await shot(page, `certificates-${lang}-mine`);

	// The PDF, as a file.
	const pdf = await download(page, () => card.getByRole('button',
		{ name: m('certs.pdf') }).click());
	assert.equal(pdf.name, `certificate-${code}.pdf`);
	assert.equal(pdf.bytes.subarray(0, 5).toString('latin1'), '%PDF-');
	await card.getByRole('status').filter({ hasText: m('certs.pdfSaved') })
		.waitFor();
	// The credential, as a file: a VC-JWT that verifies.
	const cred = await download(page, () => card.getByRole('button',
		{ name: m('certs.credential') }).click());
	assert.equal(cred.name, `certificate-${code}.jwt`);
	await checkCredential(cred.bytes.toString('utf8'), code);

	// The share link: copied, or selected to copy by hand.
	const link = card.getByLabel(m('certs.shareLink'));
	const share = await link.inputValue();
	assert.equal(share, `${BASE}/verify/${code}`);
	await card.getByRole('button', { name: m('certs.copy') }).click();
	if (lang === 'en') {
		await card.getByRole('status').filter({ hasText: m('certs.copied') })
			.waitFor();
		assert.equal(await page.evaluate(() =>
			navigator.clipboard.readText()), share);
	} else {
		await card.getByRole('status').filter({ hasText:
			m('certs.copyByHand') }).waitFor();
		assert.equal(await page.evaluate(() => {
			const a = document.activeElement;
			return a.value.slice(a.selectionStart, a.selectionEnd);
		}), share);
	}

	// LinkedIn's add-to-profile link, filled in.
	const li = new URL(await card.getByRole('link',
		{ name: m('certs.linkedin') }).getAttribute('href'));
	assert.equal(li.origin + li.pathname, 'https://www.linkedin.com/profile/add');
	const q = Object.fromEntries(li.searchParams);
	const d = new Date(want.issued);
	const e = new Date(want.expires);
	assert.deepEqual(q, { startTask: 'CERTIFICATION_NAME', name: course.title,
		organizationName: 'Safeguard Learn',
		issueYear: String(d.getUTCFullYear()),
		issueMonth: String(d.getUTCMonth() + 1),
		expirationYear: String(e.getUTCFullYear()),
		expirationMonth: String(e.getUTCMonth() + 1),
		certUrl: share, certId: code });

	// The QR code on the PDF opens the same page.
	assert.equal(qrTarget(pdf.bytes), share);
	await shot(page, `certificates-${lang}-shared`);
	s.assertClean(`learner ${lang}`);
	await s.close();
	return share;
}

// The public page, signed out, as the link or the QR code opens it.
async function verifyPage(m, tag, viewport, share, code, status) {
	const lang = tag.slice(0, 2);
	const s = await openPage(browser, { locale: tag, viewport });
	const { page } = s;
	await page.goto(share);
	await ready(page);
	const row = psql(`SELECT to_json(revoked_at) #>> '{}' FROM certificates
	    WHERE code = :'code'`, { code });
	const text = status === 'valid' ? m('verify.valid') :
		m('verify.revoked', { date: dateIn(tag, row) });
	await page.locator('.verify-status').filter({ hasText: text }).waitFor();
	assert.ok((await page.locator('.verify-facts').innerText())
		.includes(code));
	assert.ok(!(await page.content()).includes('reason-'));
	await axe(page, `verify ${status} ${lang}`);
	await notWider(page, `verify ${status}`);
	await shot(page, `certificates-${lang}-verify-${status}`);
	await page.emulateMedia({ media: 'print' });
	assert.equal(await page.locator('header.site').isVisible(), false);
	assert.equal(await page.getByRole('button', { name: m('verify.print') })
		.isVisible(), false);
	assert.ok(await page.locator('.verify-status').isVisible());
	await shot(page, `certificates-${lang}-verify-${status}-print`);
	s.assertClean(`verify ${status} ${lang}`);
	await s.close();
}

async function admin(m, tag, viewport, user, id, code) {
	const lang = tag.slice(0, 2);
	const boss = await registerUser({ language: lang });
	psql(`UPDATE users SET role = 'admin'
	    WHERE lower(email) = lower(:'email')`, { email: boss.email });
	const s = await signedIn(boss.email, tag, viewport);
	const { page } = s;
	await page.goto('/staff');
	await ready(page);
	await page.locator('#site-nav').getByRole('link', { name:
		m('staff.nav.certificates'), exact: true }).click();
	await page.waitForURL('**/staff/certificates');
	await page.locator('#certs-said').filter({ hasText: /\d/ }).waitFor();

	// Search: the course, the learner's address, valid ones.
	await page.getByLabel(m('staff.certs.course'), { exact: true }).selectOption(course.slug);
	await page.getByLabel(m('staff.certs.search'), { exact: true }).fill(user.email);
	await page.getByLabel(m('staff.certs.status'), { exact: true }).selectOption('valid');
	await page.getByRole('button', { name: m('staff.users.find') }).click();
	await page.waitForURL(/\/staff\/certificates\?course=.*&q=.*&status=valid/);
	const card = page.locator(`#certs li[data-code="${code}"]`);
	await card.waitFor();
	assert.equal(await page.locator('#certs > li').count(), 1);
	await page.locator('#certs-said', { hasText: m('staff.certs.found',
		{ n: 1 }) }).waitFor();
	await axe(page, `admin certificates ${lang}`);
	await notWider(page, 'admin certificates');
	await shot(page, `certificates-${lang}-admin`);

	// The zip of the course: this certificate's PDF, by its code.
	const zip = await download(page, () => page.getByRole('button',
		{ name: m('staff.certs.zip') }).click());
	assert.equal(zip.bytes.subarray(0, 2).toString('latin1'), 'PK');
	assert.ok(zip.bytes.includes(Buffer.from(`${code}.pdf`)));
	await page.locator('#zip-said', { hasText: m('staff.certs.zipSaved') })
		.waitFor();

	// Revoke: a dialog; Escape leaves everything as it was.
	const revoke = card.getByRole('button', { name: m('staff.certs.revoke') });
	await revoke.click();
	const dialog = page.getByRole('dialog', { name:
		m('staff.certs.revokeTitle') });
	await dialog.waitFor();
	await page.keyboard.press('Escape');
	await dialog.waitFor({ state: 'detached' });
	assert.equal(await page.evaluate(() =>
		document.activeElement.dataset.action), 'revoke');
	assert.equal(psql(`SELECT revoked_at IS NULL FROM certificates
	    WHERE id = :'id'`, { id }), 't');

	// Again, by keyboard: no reason is refused, then a reason revokes.
	await page.keyboard.press('Enter');
	await dialog.waitFor();
	assert.ok((await dialog.textContent()).includes(code));
	await axe(page, `revoke dialog ${lang}`);
	await shot(page, `certificates-${lang}-revoke-dialog`);
	await dialog.getByRole('button', { name: m('staff.certs.revokeYes') })
		.click();
	await dialog.getByText(m('staff.certs.reasonNeeded')).waitFor();
	assert.equal(psql(`SELECT revoked_at IS NULL FROM certificates
	    WHERE id = :'id'`, { id }), 't', 'nothing before a reason');
	const reason = `reason-${lang}: issued by mistake <b>`;
	await dialog.getByLabel(m('staff.certs.reasonLabel')).fill(reason);
	await dialog.getByRole('button', { name: m('staff.certs.revokeYes') })
		.click();
	await dialog.waitFor({ state: 'detached' });
	await page.locator('#certs-said', { hasText: m('staff.certs.revoked',
		{ code }) }).waitFor();
	const revokedAt = psql(`SELECT to_json(revoked_at) #>> '{}'
	    FROM certificates WHERE id = :'id' AND revoke_reason = :'reason'`,
	{ id, reason });
	assert.ok(revokedAt, 'revoked with the reason');
	assert.equal(psql(`SELECT count(*) FROM audit_log
	    WHERE action = 'certificate.revoke' AND target_id = :'id'`,
	{ id }), '1');
	assert.equal(await card.locator('.cert-status').textContent(),
		m('certs.status.revoked', { date: dateIn(tag, revokedAt) }));
	assert.ok((await card.innerText()).includes(reason));
	assert.equal(await card.getByRole('button', { name:
		m('staff.certs.revoke') }).count(), 0);
	assert.equal(await page.evaluate(() =>
		document.activeElement.classList.contains('cert-status')), true);

	// Found again among the revoked.
	await page.goto(`/staff/certificates?status=revoked&q=${code}`);
	await ready(page);
	await page.locator(`#certs li[data-code="${code}"][data-status="revoked"]`)
		.waitFor();
	await shot(page, `certificates-${lang}-admin-revoked`);
	s.assertClean(`admin ${lang}`);
	await s.close();
}

test('an expired certificate leads to the course again (es, 360 px)',
	async () => {
		const tag = 'es-ES';
		const m = (k, v) => smsg(tag, k, v);
		const { user, id, code } = await graduate('es', 'Ελένη');
		const expired = psql(`UPDATE certificates
		    SET expires_at = now() - interval '1 day' WHERE id = :'id'
		    RETURNING to_json(expires_at) #>> '{}'`, { id });
		const s = await signedIn(user.email, tag, PHONE);
		const { page } = s;
		await page.goto('/certificates');
		await ready(page);
		const card = page.locator(`#certificates li[data-code="${code}"]`);
		assert.equal(await card.locator('.cert-status').textContent(),
			m('certs.status.expired', { date: dateIn(tag, expired) }));
		await card.getByText(m('certs.renewWhy')).waitFor();
		await axe(page, 'expired certificate');
		await notWider(page, 'expired certificate');
		await shot(page, 'certificates-es-expired');

		await card.getByRole('button', { name: m('certs.renew') }).click();
		await page.waitForURL(`**/courses/${course.slug}`);
		// A new round: nothing of it done yet, a way into its lessons.
		await page.locator('#continue').waitFor();
		assert.equal(await page.locator('.panel progress')
			.getAttribute('value'), '0');
		assert.equal(psql(`SELECT e.round || ' ' || (e.completed_at IS NULL)
		    FROM enrollments e JOIN users u ON u.id = e.user_id
		    JOIN courses c ON c.id = e.course_id
		    WHERE lower(u.email) = lower(:'email') AND c.slug = :'slug'`,
		{ email: user.email, slug: course.slug }), '2 true');

		// The old certificate stays, and now leads on to the round.
		await page.goto('/certificates');
		await ready(page);
		await card.getByRole('link', { name: m('certs.continueRound') })
			.waitFor();
		assert.equal(await card.getByRole('button', { name:
			m('certs.renew') }).count(), 0);
		s.assertClean('renewal');
		await s.close();
	});

test('files not made yet are said to be on their way; all by keyboard',
	async () => {
		const tag = 'en-GB';
		const m = (k, v) => smsg(tag, k, v);
		const user = await registerUser({ language: 'en' });
		const code = [...randomBytes(16)].map((b) => ALPHABET[b % 32])
			.join('').match(/.{4}/g).join('-');
		// A certificate as the job inserts it before drawing its files.
		psql(`INSERT INTO certificates (completed_at, user_id, course_id,
		    code, name, course_title, language, course_version, hours)
		    SELECT now(), u.id, c.id, :'code', u.display_name, c.title,
		    c.language, c.version, c.estimated_hours FROM users u, courses c
		    WHERE lower(u.email) = lower(:'email') AND c.slug = :'slug'`,
		{ code, email: user.email, slug: course.slug });
		const s = await signedIn(user.email, tag);
		const { page } = s;
		s.allow((e) => /status of 404/.test(e.text) &&
			/\/api\/v1\/certificates\/[0-9a-f-]+\/(pdf|credential)$/
				.test(e.url));
		await page.goto('/learning');
		await ready(page);
		// From the account menu, by keyboard.
		await page.locator('#site-nav .menu-button').focus();
		await page.keyboard.press('Enter');
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() =>
			document.activeElement.getAttribute('href')), '/certificates');
		await page.keyboard.press('Enter');
		await page.waitForURL('**/certificates');
		const card = page.locator(`#certificates li[data-code="${code}"]`);
		await card.waitFor();
		// The router moves the focus to the heading once the view is
		// drawn, which may be a moment after the card is there.
		await page.waitForFunction(() =>
			document.activeElement.tagName === 'H1', null, { timeout: 5000 });
		const said = card.getByRole('status');
		await card.getByRole('button', { name: m('certs.pdf') }).focus();
		await page.keyboard.press('Enter');
		await said.filter({ hasText: m('error.pdf_not_ready') }).waitFor();
		await page.keyboard.press('Tab');
		await page.keyboard.press('Enter');
		await said.filter({ hasText: m('error.credential_not_ready') })
			.waitFor();
		await axe(page, 'files not ready');
		s.assertClean('files not ready');
		await s.close();
	});
