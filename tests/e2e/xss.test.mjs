// Course text is data, never markup. An instructor creates a course whose
// title and summary carry HTML and script through the authoring API, and
// uploads a module package (the real import path: zip, manifest, Markdown
// rendered and sanitised by the server) whose module and lesson titles carry
// markup and whose lesson Markdown carries raw <script>, <img onerror>,
// <iframe>, <svg onload> and javascript: and data: links; the course is
// published. A learner then meets it in the catalog, on the course page, in
// the reader and in My learning. It must read as the text it is, run nothing
// (no dialog, no CSP or Trusted Types violation) and add no element.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
	launch, ready, axe, shot, msg, registerUser, apiFetch, packModule,
	uploadModule, instructorCourse, signedInPage,
} from './helpers.mjs';

const TITLE = '<img src=x onerror=alert(1)> Hostile "course" & <b>bold</b> zzxss';
const SUMMARY = '<script>alert(2)</script><svg onload=alert(3)> summary text';
const MODULE = '<iframe src="javascript:alert(4)"></iframe> module';
const LESSON = '<a href="javascript:alert(5)">lesson</a> <u>title</u>';
const BODY = `# A hostile lesson

<script>window.__ran = 'script'; alert(6)</script>

<img src=x onerror="window.__ran = 'img'; alert(7)">

Read [this link](javascript:alert(8)) and [that one](data:text/html,<script>alert(9)</script>)
and <a href="javascript:alert(10)">a raw one</a>.

<iframe src="javascript:alert(11)"></iframe>
<iframe srcdoc="<script>parent.__ran = 'iframe'</script>"></iframe>

<svg onload="window.__ran = 'svg'"><circle r="5"/></svg>

<p onclick="alert(12)" style="color:red">A raw paragraph.</p>

## Still a lesson

The closing words zzxss-end.
`;

let browser;
let slug;
before(async () => {
	browser = await launch();
	let token;
	({ token, slug } = await instructorCourse({
		slug: `xss-probe-${randomUUID().slice(0, 8)}`, title: TITLE,
		summary: SUMMARY, language: 'en', audiences: ['health'],
		estimated_hours: 1 }));
	const manifest = { format: 1, key: 'hostile-module', title: MODULE,
		order: 1, summary: 'A module made to probe the reader.',
		lessons: [{ key: 'hostile-lesson', title: LESSON,
			file: 'lessons/01-hostile.md', minutes: 3 }] };
	const up = await uploadModule(slug, packModule({
		'module.json': JSON.stringify(manifest),
		'lessons/01-hostile.md': BODY }), token);
	assert.equal(up.status, 201, JSON.stringify(up.body));
	const pub = await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token });
	assert.equal(pub.status, 200, JSON.stringify(pub.body));
});
after(async () => { await browser?.close(); });

// No element the payloads would have made exists in the page, and no
// element anywhere has an event-handler attribute or a script URL.
async function noInjection(page) {
	const found = await page.evaluate(() => {
		const bad = [...document.querySelectorAll(
			'img, script:not([src]), svg:not(.brand svg), iframe, object, ' +
			'embed, b, u, a[href^="javascript"], a[href^="data"], [style]')];
		for (const e of document.querySelectorAll('*')) {
			if ([...e.attributes].some((a) => /^on/i.test(a.name) ||
			    /^\s*(javascript|data):/i.test(a.value)))
				bad.push(e);
		}
		return bad.map((e) => e.outerHTML.slice(0, 80));
	});
	assert.deepEqual(found, []);
	assert.equal(await page.evaluate(() => window.__ran), undefined,
		'no payload ran');
}

test('hostile course text shows as text everywhere and runs nothing',
	async () => {
		const learner = await registerUser();
		const s = await signedInPage(browser, learner.email);
		const { page } = s;

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
		const body = page.locator('.lesson-body');
		await body.waitFor();
		assert.equal(await page.locator('h1').textContent(), LESSON);
		assert.equal(await page.locator('h1').count(), 1);
		// The lesson itself is there, its headings (# and ##) one level
		// under the page's h1.
		await body.getByText('The closing words zzxss-end.').waitFor();
		assert.deepEqual(await body.locator('h2').allTextContents(),
			['A hostile lesson']);
		assert.deepEqual(await body.locator('h3').allTextContents(),
			['Still a lesson']);
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
