// The instructor's journey in the staff area, once in English at desktop
// width and once in Spanish at 360 px: sign in, create a course, try to
// publish it empty (what is missing is said), upload a broken package and
// see every problem the server found, upload two good modules (the upload
// progress bar), reorder them by keyboard, preview a lesson as learners
// will read it, publish; a learner then finds the course in the catalog.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
	ROOT, launch, openPage, ready, axe, shot, messages, registerUser,
	apiLogin, psql, signInBrowser, packModule, uploadModule, smsg,
	notWider,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// A package zipped without the packer's checks (sgctl pack only): the
// server is what finds its problems.
function packUnchecked(files) {
	const dir = mkdtempSync(path.join(tmpdir(), 'sg-broken-'));
	try {
		for (const [name, content] of Object.entries(files)) {
			mkdirSync(path.dirname(path.join(dir, 'm', name)),
				{ recursive: true });
			writeFileSync(path.join(dir, 'm', name), content);
		}
		const out = path.join(dir, 'module.zip');
		execFileSync(path.join(ROOT, 'build', 'sgctl'),
			['pack', path.join(dir, 'm'), out],
			{ stdio: ['ignore', 'ignore', 'pipe'] });
		return readFileSync(out);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

function goodModule(key, title, lesson, words, order) {
	return packModule({
		'module.json': JSON.stringify({ format: 1, key, title, order,
			summary: `${title}.`, lessons: [{ key: `${key}-l1`,
				title: lesson, file: 'lessons/01.md', minutes: 4 }] }),
		'lessons/01.md': `# ${lesson}\n\n${words}\n\n## More\n\nThe end.\n`,
	});
}

const BROKEN = {
	// A bad key, a lesson file that is not there, a duration out of
	// range, and a lesson that is not UTF-8.
	'module.json': '{\n  "format": 1,\n  "key": "Bad Key!",\n  "title": "Broken",\n' +
		'  "lessons": [\n    { "key": "a", "title": "A", "file": "lessons/none.md", "minutes": 3 },\n' +
		'    { "key": "b", "title": "B", "file": "lessons/b.md", "minutes": -4 }\n  ]\n}\n',
	'lessons/b.md': Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x0a]),
};

for (const [lang, tag, viewport] of [
	['en', 'en-GB', { width: 1280, height: 800 }],
	['es', 'es-ES', { width: 360, height: 740 }]]) {
	test(`an instructor makes and publishes a course (${lang})`, async () => {
		const m = (k, v) => smsg(tag, k, v);
		const who = await registerUser({ language: lang });
		psql(`UPDATE users SET role = 'instructor'
		    WHERE lower(email) = lower(:'email')`, { email: who.email });
		const s = await openPage(browser, { locale: tag, viewport });
		const { page } = s;
		// What the page provokes on purpose: the 422s of an empty
		// course's publish and of a broken package.
		s.allow((e) => /status of 422/.test(e.text) &&
			/\/api\/v1\/instructor\/courses\/[a-z0-9-]+\/(publish|modules)$/
				.test(e.url));
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, who.email);

		await page.goto('/staff');
		await ready(page);
		assert.equal(await page.locator('h1').textContent(),
			m('staff.courses.title'));
		assert.equal(await page.getByText(m('staff.courses.none')).count(), 1);
		await notWider(page, 'my courses');
		await axe(page, `staff courses ${lang}`);

		// A new course.
		const slug = `staff-${lang}-${randomUUID().slice(0, 8)}`;
		const word = `zzstaff${randomUUID().slice(0, 6)}`;
		const title = `Staff journey ${word} <b>${lang}</b>`;
		await page.getByRole('link', { name: m('staff.courses.new') }).click();
		await page.waitForURL('**/staff/courses/new');
		await page.getByRole('heading', { level: 1,
			name: m('staff.new.title') }).waitFor();
		await page.getByLabel(m('staff.course.title'), { exact: true })
			.fill(title);
		await page.getByLabel(m('staff.course.slug')).fill(slug);
		await page.getByLabel(m('staff.course.language'))
			.selectOption(lang);
		await page.getByLabel(m('staff.course.summary')).fill(
			'What a first responder must do.');
		await page.getByLabel(m('staff.course.hours')).fill('2.5');
		await page.getByLabel(m('staff.course.capacity')).fill('30');
		await page.getByLabel(m('profession.health')).check();
		await page.getByLabel(m('profession.education')).check();
		await notWider(page, 'the new course form');
		await axe(page, `new course ${lang}`);
		await shot(page, `staff-${lang}-new-course`);
		await page.getByRole('button', { name: m('staff.new.create') }).click();
		await page.waitForURL(`**/staff/courses/${slug}`);
		const h1 = page.locator('h1');
		await h1.waitFor();
		assert.equal(await h1.textContent(), title);
		const row = JSON.parse(psql(`SELECT json_build_object('s', status,
		    'l', language, 'a', audiences, 'h', estimated_hours,
		    'c', capacity)
		    FROM courses WHERE slug = :'slug'`, { slug }));
		assert.deepEqual({ ...row, a: [...row.a].sort() }, { s: 'draft',
			l: lang, a: ['education', 'health'], h: 2.5, c: 30 });

		// Publishing an empty course: what is missing, said plainly.
		await page.getByRole('button', { name: m('staff.course.publish') })
			.click();
		await page.getByText(m('error.course_empty')).waitFor();

		// A broken package: every problem the server found is listed,
		// with its file and line.
		const token = await apiLogin(who.email);
		const broken = packUnchecked(BROKEN);
		const direct = await uploadModule(slug, broken, token);
		assert.equal(direct.status, 422);
		const problems = direct.body.error.problems;
		assert.ok(problems.length >= 3, JSON.stringify(problems));
		await page.locator('#package-file').setInputFiles({
			name: 'broken.zip', mimeType: 'application/zip', buffer: broken });
		await page.getByRole('button', { name: m('staff.upload.send'),
			exact: true }).click();
		const items = page.locator('#package-problems li');
		await page.locator('#package-problems h3').waitFor();
		assert.equal(await page.locator('#package-problems h3').textContent(),
			m('staff.upload.problems', { n: problems.length }));
		assert.equal(await items.count(), problems.length);
		const texts = await items.allTextContents();
		problems.forEach((p, i) => {
			assert.ok(texts[i].startsWith(p.file), texts[i]);
			if (p.line)
				assert.ok(texts[i].includes(m('staff.upload.line',
					{ n: p.line })), texts[i]);
			assert.ok(texts[i].endsWith(m(`staff.problem.${p.code}`)),
				`${texts[i]} (${p.code})`);
		});
		assert.equal(await page.evaluate(() =>
			document.activeElement.tagName), 'H3');
		await notWider(page, 'the problems');
		await axe(page, `package problems ${lang}`);
		await shot(page, `staff-${lang}-problems`);

		// Two good modules, through the form and its progress bar.
		const mods = [['first-steps', `First steps ${lang}`,
			`Lesson one ${lang}`, 'Listen and believe.'],
		['second-steps', `Second steps ${lang}`, `Lesson two ${lang}`,
			'Write down what you were told.']];
		// The first goes with an expired access cookie: the page
		// refreshes the session and sends the package again.
		await s.context.clearCookies({ name: 'sg_access' });
		s.allow((e) => /status of 401/.test(e.text) &&
			/\/api\/v1\/(me|instructor\/courses\/[a-z0-9-]+\/modules)$/
				.test(e.url));
		for (const [i, [key, mt, lt, words]] of mods.entries()) {
			await page.locator('#package-file').setInputFiles({
				name: `${key}.zip`, mimeType: 'application/zip',
				buffer: goodModule(key, mt, lt, words, i + 1) });
			await page.getByRole('button', { name: m('staff.upload.send'),
				exact: true }).click();
			await page.locator('#course-said', { hasText:
				m('staff.upload.created', { key, n: 1 }) }).waitFor();
			assert.equal(await page.locator('#upload-progress')
				.evaluate((e) => e.value), 100);
		}
		assert.equal(await page.locator('#package-problems li').count(), 0);
		assert.deepEqual(await page.locator('#modules h3').allTextContents(),
			[mods[0][1], mods[1][1]]);

		// Reorder by keyboard: focus "Move down" on the first, Enter.
		const down = page.getByRole('button', { name: m('staff.modules.downOf',
			{ title: mods[0][1] }) });
		await down.focus();
		await page.keyboard.press('Enter');
		await page.locator('#course-said', { hasText: m('staff.modules.moved',
			{ title: mods[0][1], n: 2 }) }).waitFor();
		assert.deepEqual(await page.locator('#modules h3').allTextContents(),
			[mods[1][1], mods[0][1]]);
		assert.equal(psql(`SELECT string_agg(m.key, ',' ORDER BY m.position)
		    FROM modules m JOIN courses c ON c.id = m.course_id
		    WHERE c.slug = :'slug'`, { slug }), 'second-steps,first-steps');
		// Focus stays with the module that moved.
		assert.equal(await page.evaluate(() =>
			document.activeElement.closest('[data-key]')?.dataset.key),
		'first-steps');
		await notWider(page, 'the course page');
		await axe(page, `course page ${lang}`);
		await shot(page, `staff-${lang}-course`);

		// Preview a lesson as learners will read it; nothing recorded.
		let beats = 0;
		page.on('request', (r) => {
			if (/\/progress$/.test(r.url()))
				beats++;
		});
		await page.getByRole('link', { name: m('staff.modules.previewOf',
			{ title: mods[1][2] }) }).click();
		await page.waitForURL('**/staff/lessons/*');
		await page.locator('.lesson-body').getByText(mods[1][3]).waitFor();
		assert.equal(await page.locator('h1').textContent(), mods[1][2]);
		assert.deepEqual(await page.locator('.lesson-body h2')
			.allTextContents(), [mods[1][2]]);
		await notWider(page, 'the preview');
		await axe(page, `preview ${lang}`);
		await shot(page, `staff-${lang}-preview`);
		assert.equal(beats, 0);
		await page.goBack();
		await page.waitForURL(`**/staff/courses/${slug}`);

		// Publish.
		await page.getByRole('button', { name: m('staff.course.publish') })
			.click();
		await page.locator('#course-said', { hasText:
			m('staff.course.published') }).waitFor();
		assert.equal(psql(`SELECT status FROM courses WHERE slug = :'slug'`,
			{ slug }), 'published');
		await page.getByRole('link', { name: m('staff.course.viewPublic') })
			.waitFor();
		await page.goto('/staff');
		await ready(page);
		const card = page.locator('#staff-courses li', { hasText: word });
		assert.ok((await card.textContent()).includes(
			m('staff.status.published')));
		s.assertClean(`instructor ${lang}`);
		await s.close();

		// A learner finds it in the catalog.
		const l = await openPage(browser, { locale: tag, viewport });
		await l.page.goto(`/courses?q=${word}`);
		await ready(l.page);
		const found = l.page.locator('#course-list > li h2');
		await found.first().waitFor();
		assert.deepEqual(await found.allTextContents(), [title]);
		l.assertClean(`learner ${lang}`);
		await l.close();
	});
}
