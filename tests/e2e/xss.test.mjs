// Course text is data, never markup. An instructor creates a course whose
// title, summary, module and lesson titles carry HTML and script through
// the authoring API; the lesson and module are added and the course is
// published; a learner then meets it in the catalog, on the course page,
// in the reader and in My learning. It must read as the text it is, run
// nothing (no dialog, no CSP or Trusted Types violation) and add no
// element.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
	launch, openPage, ready, axe, shot, msg, registerUser, apiLogin, apiFetch,
	psql, signInBrowser,
} from './helpers.mjs';

const TITLE = '<img src=x onerror=alert(1)> Hostile "course" & <b>bold</b> zzxss';
const SUMMARY = '<script>alert(2)</script><svg onload=alert(3)> summary text';
const MODULE = '<iframe src="javascript:alert(4)"></iframe> module';
const LESSON = '<a href="javascript:alert(5)">lesson</a> <u>title</u>';

let browser;
let slug;
before(async () => {
	browser = await launch();
	const author = await registerUser();
	psql(`UPDATE users SET role = 'instructor'
	    WHERE lower(email) = lower(:'email')`, { email: author.email });
	const token = await apiLogin(author.email);
	slug = `xss-probe-${randomUUID().slice(0, 8)}`;
	const made = await apiFetch('POST', '/api/v1/instructor/courses', {
		token, body: { slug, title: TITLE, summary: SUMMARY, language: 'en',
			audiences: ['health'], estimated_hours: 1 } });
	assert.equal(made.status, 201, JSON.stringify(made.body));
	// A module package would need a zip; the row it would make is enough.
	psql(`INSERT INTO modules (course_id, key, title, position, package_sha256)
	    SELECT id, 'm1', :'module', 1, repeat('0', 64) FROM courses
	    WHERE slug = :'slug';
	    INSERT INTO lessons (module_id, course_id, key, title, position, minutes,
	    markdown, html)
	    SELECT m.id, m.course_id, 'l1', :'lesson', 1, 3, 'Plain text.',
	    '<p>Plain lesson text.</p>'
	    FROM modules m JOIN courses c ON c.id = m.course_id
	    WHERE c.slug = :'slug';`, { slug, module: MODULE, lesson: LESSON });
	const pub = await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token });
	assert.equal(pub.status, 200, JSON.stringify(pub.body));
});
after(async () => { await browser?.close(); });

// No element the payloads would have made exists in the page.
async function noInjection(page) {
	const found = await page.evaluate(() => [...document.querySelectorAll(
		'img, script:not([src]), svg:not(.brand svg), iframe, b, u, ' +
		'a[href^="javascript"]')].map((e) => e.outerHTML.slice(0, 80)));
	assert.deepEqual(found, []);
}

test('hostile course text shows as text everywhere and runs nothing',
	async () => {
		const learner = await registerUser();
		const s = await openPage(browser);
		const { page } = s;
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, learner.email);

		await page.goto('/courses?q=zzxss');
		await ready(page);
		const card = page.locator('#course-list > li').first();
		await card.waitFor();
		assert.equal(await card.locator('h2').textContent(), TITLE);
		assert.equal(await card.locator('.summary').textContent(), SUMMARY);
		await noInjection(page);
		await shot(page, 'xss-catalog');

		await card.getByRole('link').click();
		await page.waitForURL(`**/courses/${slug}`);
		await page.getByRole('heading', { level: 1 }).waitFor();
		assert.equal(await page.locator('h1').textContent(), TITLE);
		assert.equal(await page.locator('h3').first().textContent(), MODULE);
		assert.ok((await page.title()).startsWith(TITLE));
		await page.getByRole('button', { name: msg('en', 'course.enroll') })
			.click();
		await page.getByRole('link', { name: msg('en', 'course.start') })
			.click();
		await page.waitForURL('**/lessons/*');
		await page.locator('.lesson-body').waitFor();
		assert.equal(await page.locator('h1').textContent(), LESSON);
		assert.equal(await page.locator('.crumbs a').textContent(), TITLE);
		await noInjection(page);
		await shot(page, 'xss-lesson');
		await axe(page, 'hostile lesson');

		await page.getByRole('link', { name: msg('en', 'nav.learning'),
			exact: true }).click();
		await page.waitForURL('**/learning');
		const item = page.locator('#enrollments h2', { hasText: 'zzxss' });
		await item.waitFor();
		assert.equal(await item.textContent(), TITLE);
		await noInjection(page);
		s.assertClean();
		await s.close();
	});
